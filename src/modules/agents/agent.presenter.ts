import { z } from 'zod';
import {
  AGENT_ACTION_STATUSES,
  AGENT_EVENT_TYPES,
  AGENT_OUTCOMES,
  AGENT_RUN_STATUSES,
  type AgentActionRecord,
  type AgentEvent,
  type AgentRunRecord,
} from './agent.types.ts';

const problemSchema = z
  .object({ code: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional() })
  .meta({ id: 'AgentProblem' });

export const agentActionSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    step: z.number().int().describe('The model step that proposed the call.'),
    toolCallId: z.string(),
    toolName: z.string(),
    arguments: z.unknown().describe('The arguments the model proposed (secrets redacted).'),
    status: z
      .enum(AGENT_ACTION_STATUSES)
      .describe(
        '`refused` (outside the allow-list), `invalid` (arguments failed validation), `awaiting_approval`, `approved`, `rejected`, `running`, `succeeded`, `failed`. Refused, invalid and rejected calls never ran.',
      ),
    allowedBy: z
      .string()
      .nullable()
      .describe(
        'Who allowed it: `allow-list:<key id>` (the run creator), then `; approval:<key id>` when a human approved.',
      ),
    decidedBy: z.string().nullable(),
    decisionReason: z.string().nullable(),
    result: z.unknown().describe("The tool's output when it succeeded."),
    error: problemSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AgentAction' });

export const agentRunSchema = z
  .object({
    id: z.string(),
    status: z.enum(AGENT_RUN_STATUSES),
    outcome: z
      .enum(AGENT_OUTCOMES)
      .nullable()
      .describe(
        'Why it stopped: `completed`, `step-limit`, `tool-call-limit`, `token-limit`, `deadline`, `failed`, `cancelled`.',
      ),
    goal: z.string(),
    model: z.string().nullable(),
    tools: z.array(z.string()).describe('The allow-list.'),
    approvalRequired: z.array(z.string()).describe('Tools whose every call waits for a human.'),
    limits: z.object({
      maxSteps: z.number().int(),
      maxToolCalls: z.number().int(),
      maxTokens: z.number().int(),
      deadlineAt: z.string(),
    }),
    usage: z.object({
      steps: z.number().int(),
      toolCalls: z.number().int(),
      inputTokens: z.number().int(),
      outputTokens: z.number().int(),
    }),
    output: z
      .string()
      .nullable()
      .describe("The model's final answer (or its last text when a limit stopped it)."),
    error: problemSchema.nullable(),
    pendingAction: agentActionSchema
      .nullable()
      .describe('The proposed call awaiting approval (`POST .../approve` or `.../reject`).'),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'AgentRun' });

export const agentEventSchema = z
  .object({
    runId: z.string(),
    id: z.number().int(),
    type: z.enum(AGENT_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'AgentEvent' });

export function presentAction(action: AgentActionRecord): z.infer<typeof agentActionSchema> {
  return {
    id: action.id,
    runId: action.runId,
    step: action.step,
    toolCallId: action.toolCallId,
    toolName: action.toolName,
    arguments: action.arguments,
    status: action.status,
    allowedBy: action.allowedBy,
    decidedBy: action.decidedBy,
    decisionReason: action.decisionReason,
    result: action.result,
    error: action.error,
    createdAt: action.createdAt.toISOString(),
    updatedAt: action.updatedAt.toISOString(),
  };
}

export function presentRun(
  run: AgentRunRecord,
  pendingAction: AgentActionRecord | null,
): z.infer<typeof agentRunSchema> {
  return {
    id: run.id,
    status: run.status,
    outcome: run.outcome,
    goal: run.goal,
    model: run.model,
    tools: [...run.tools],
    approvalRequired: [...run.approvalRequired],
    limits: { ...run.limits, deadlineAt: run.limits.deadlineAt.toISOString() },
    usage: { ...run.usage },
    output: run.output,
    error: run.error,
    pendingAction: pendingAction ? presentAction(pendingAction) : null,
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export function presentEvent(event: AgentEvent): z.infer<typeof agentEventSchema> {
  return {
    runId: event.runId,
    id: event.id,
    type: event.type,
    data: { ...event.data },
    createdAt: event.createdAt.toISOString(),
  };
}
