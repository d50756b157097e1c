import { z } from 'zod';
import {
  AGENT_ACTION_STATUSES,
  AGENT_EVENT_TYPES,
  AGENT_OUTCOMES,
  AGENT_RUN_STATUSES,
  type AgentActionRecord,
  type AgentEvent,
  type AgentRunRecord,
  type AgentUsage,
} from './agent.types.ts';

const problemSchema = z
  .object({ code: z.string(), title: z.string(), status: z.number().int(), detail: z.string().optional() })
  .meta({ id: 'AgentProblem' });

export const agentActionSchema = z
  .object({
    id: z.string(),
    run_id: z.string(),
    step: z.number().int().describe('The model step that proposed the call.'),
    tool_call_id: z.string(),
    tool_name: z.string(),
    arguments: z.unknown().describe('The arguments the model proposed (secrets redacted).'),
    status: z
      .enum(AGENT_ACTION_STATUSES)
      .describe(
        '`refused` (outside the allow-list), `invalid` (arguments failed validation), `awaiting_approval`, `approved`, `rejected`, `running`, `succeeded`, `failed`. Refused, invalid and rejected calls never ran.',
      ),
    allowed_by: z
      .string()
      .nullable()
      .describe(
        'Who allowed it: `allow-list:<key id>` (the run creator), then `; approval:<key id>` when a human approved.',
      ),
    decided_by: z.string().nullable(),
    decision_reason: z.string().nullable(),
    result: z.unknown().describe("The tool's output when it succeeded."),
    error: problemSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
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
    approval_required: z.array(z.string()).describe('Tools whose every call waits for a human.'),
    limits: z.object({
      max_steps: z.number().int(),
      max_tool_calls: z.number().int(),
      max_tokens: z.number().int(),
      deadline_at: z.string(),
    }),
    usage: z.object({
      steps: z.number().int(),
      tool_calls: z.number().int(),
      input_tokens: z.number().int(),
      output_tokens: z.number().int(),
    }),
    output: z
      .string()
      .nullable()
      .describe("The model's final answer (or its last text when a limit stopped it)."),
    error: problemSchema.nullable(),
    pending_action: agentActionSchema
      .nullable()
      .describe('The proposed call awaiting approval (`POST .../approve` or `.../reject`).'),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'AgentRun' });

export const agentEventSchema = z
  .object({
    run_id: z.string(),
    id: z.number().int(),
    type: z.enum(AGENT_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: 'AgentEvent' });

/** A run's usage as clients see it (ADR 0151: snake_case at the boundary); also in `run-succeeded` events. */
export function presentUsage(usage: AgentUsage): z.infer<typeof agentRunSchema>['usage'] {
  return {
    steps: usage.steps,
    tool_calls: usage.toolCalls,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
  };
}

export function presentAction(action: AgentActionRecord): z.infer<typeof agentActionSchema> {
  return {
    id: action.id,
    run_id: action.runId,
    step: action.step,
    tool_call_id: action.toolCallId,
    tool_name: action.toolName,
    arguments: action.arguments,
    status: action.status,
    allowed_by: action.allowedBy,
    decided_by: action.decidedBy,
    decision_reason: action.decisionReason,
    result: action.result,
    error: action.error,
    created_at: action.createdAt.toISOString(),
    updated_at: action.updatedAt.toISOString(),
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
    approval_required: [...run.approvalRequired],
    limits: {
      max_steps: run.limits.maxSteps,
      max_tool_calls: run.limits.maxToolCalls,
      max_tokens: run.limits.maxTokens,
      deadline_at: run.limits.deadlineAt.toISOString(),
    },
    usage: presentUsage(run.usage),
    output: run.output,
    error: run.error,
    pending_action: pendingAction ? presentAction(pendingAction) : null,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
  };
}

export function presentEvent(event: AgentEvent): z.infer<typeof agentEventSchema> {
  return {
    run_id: event.runId,
    id: event.id,
    type: event.type,
    data: { ...event.data },
    created_at: event.createdAt.toISOString(),
  };
}
