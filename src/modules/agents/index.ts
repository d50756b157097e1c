// Agents: bounded, audited agent runs over allowed tools (native tool calling through the gateway), each
// segment a job; approvals pause and resume runs; every proposed call is in the audit trail.

export { AGENT_CAPABILITY, createAgentCapability } from './agent.capability.ts';
export { agentActionSchema, agentEventSchema, agentRunSchema } from './agent.presenter.ts';
export type {
  AgentActionRecord,
  AgentActionStatus,
  AgentEvent,
  AgentEventType,
  AgentLimits,
  AgentOutcome,
  AgentProblem,
  AgentRunPatch,
  AgentRunRecord,
  AgentRunStatus,
  AgentUsage,
  NewAgentEvent,
  PendingCall,
} from './agent.types.ts';
export { AGENT_EVENT_TYPES, AGENT_OUTCOMES, AGENT_RUN_STATUSES, isFinished } from './agent.types.ts';
export { type AgentEventFeed, createAgentEventFeed, notifyingAgentStore } from './agent-event-feed.ts';
export type { AgentLoopOptions, Redactor, SegmentScope } from './agent-loop.ts';
export { AgentLoop, actionIdOf } from './agent-loop.ts';
export { createAgentRunCapability } from './agent-run.capability.ts';
export type { AgentRunPage, AgentStore } from './agent-store.port.ts';
export { agentErrors } from './agents.errors.ts';
export { type AgentRoutesOptions, createRunSchema, registerAgentRoutes } from './agents.routes.ts';
export type { AgentServiceOptions, CreateRunRequest, Decision } from './agents.service.ts';
export { AGENT_RUN_CAPABILITY, AgentService } from './agents.service.ts';
export { MemoryAgentStore } from './memory-agent-store.ts';
export { SqlAgentStore } from './sql-agent-store.ts';
export { FENCE_RULES, fenceToolResult } from './tool-result-fence.ts';
