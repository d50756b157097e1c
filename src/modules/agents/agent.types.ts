import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/** Where a run is; see docs/agents.md for the state machine. */
export const AGENT_RUN_STATUSES = [
  'queued',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type AgentRunStatus = (typeof AGENT_RUN_STATUSES)[number];

export function isFinished(status: AgentRunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** Why a run stopped: `completed` (the model answered), a limit, or a failure. */
export const AGENT_OUTCOMES = [
  'completed',
  'step-limit',
  'tool-call-limit',
  'token-limit',
  'deadline',
  'failed',
  'cancelled',
] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

export interface AgentLimits {
  /** Model calls (steps) at most. */
  readonly maxSteps: number;
  /** Tool calls the model may propose at most (refused and invalid ones count). */
  readonly maxToolCalls: number;
  /** Input + output tokens over every step at most. */
  readonly maxTokens: number;
  /** The run stops when this passes (time spent awaiting approval counts). */
  readonly deadlineAt: Date;
}

export interface AgentUsage {
  readonly steps: number;
  readonly toolCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A tool call the model proposed that has not been answered yet (the loop resumes from these). */
export interface PendingCall {
  readonly toolCallId: string;
  readonly toolName: string;
  /** The arguments as the model sent them (a JSON text, not yet validated). */
  readonly input: string;
  readonly step: number;
}

export interface AgentProblem {
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
}

export interface AgentRunRecord {
  readonly id: string;
  readonly tenantId: string;
  /** The key that created the run and allowed its tools (`admin`, or null when auth is open). */
  readonly apiKeyId: string | null;
  readonly requestId: string;
  readonly status: AgentRunStatus;
  readonly outcome: AgentOutcome | null;
  readonly goal: string;
  readonly instructions: string | null;
  /** The model asked for (alias or `provider:model`), else the `agent` route / `default`. */
  readonly model: string | null;
  /** The allow-list: the only tools the model is offered and may call. */
  readonly tools: readonly string[];
  /** Tools that need a human's approval before each call (every `write` and `external` tool is in it). */
  readonly approvalRequired: readonly string[];
  readonly limits: AgentLimits;
  readonly usage: AgentUsage;
  /** The conversation so far, as the model sees it (tool results fenced). */
  readonly messages: LanguageModelV4Prompt;
  readonly pendingCalls: readonly PendingCall[];
  /** The action awaiting a decision, when `awaiting_approval`. */
  readonly pendingActionId: string | null;
  /** Bumped each time the run is (re)queued; a job for an older segment does nothing. */
  readonly segment: number;
  readonly output: string | null;
  readonly error: AgentProblem | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export type AgentRunPatch = Partial<
  Pick<
    AgentRunRecord,
    | 'status'
    | 'outcome'
    | 'usage'
    | 'messages'
    | 'pendingCalls'
    | 'pendingActionId'
    | 'segment'
    | 'output'
    | 'error'
    | 'finishedAt'
  >
> & { readonly updatedAt: Date };

/** What became of one proposed tool call: the audit trail. */
export const AGENT_ACTION_STATUSES = [
  'refused',
  'invalid',
  'awaiting_approval',
  'approved',
  'rejected',
  'running',
  'succeeded',
  'failed',
] as const;
export type AgentActionStatus = (typeof AGENT_ACTION_STATUSES)[number];

export interface AgentActionRecord {
  readonly id: string;
  readonly runId: string;
  readonly tenantId: string;
  readonly step: number;
  readonly toolCallId: string;
  readonly toolName: string;
  /** The arguments (parsed JSON when they parsed, else the raw text). */
  readonly arguments: unknown;
  readonly status: AgentActionStatus;
  /** Who allowed the call: `allow-list:<key id>` (the run's creator), then `approval:<key id>` when approved. */
  readonly allowedBy: string | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
  readonly result: unknown;
  readonly error: AgentProblem | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const AGENT_EVENT_TYPES = [
  'run-queued',
  'run-started',
  'text-delta',
  'tool-call',
  'tool-result',
  'approval-requested',
  'approval-decided',
  'step-finished',
  'run-paused',
  'run-succeeded',
  'run-failed',
  'run-cancelled',
] as const;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];

export interface AgentEvent {
  readonly runId: string;
  /** 1, 2, 3... per run. */
  readonly id: number;
  readonly type: AgentEventType;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface NewAgentEvent {
  readonly type: AgentEventType;
  readonly data: Readonly<Record<string, unknown>>;
}
