import type { JSONColumnType } from 'kysely';
import type { CreatedAt, JsonValue, NullableTimestamp, Timestamp } from './column-types.ts';

/** Owned by the agents module (0008): a run's whole state, so it resumes after a restart. */
export interface AgentRunTable {
  id: string;
  tenant_id: string;
  api_key_id: string | null;
  request_id: string;
  status: string;
  outcome: string | null;
  goal: string;
  instructions: string | null;
  model: string | null;
  tools: JSONColumnType<string[]>;
  approval_required: JSONColumnType<string[]>;
  /** `deadlineAt` is an ISO date in the JSON. */
  limits: JSONColumnType<{ maxSteps: number; maxToolCalls: number; maxTokens: number; deadlineAt: string }>;
  usage: JsonValue;
  /** The model conversation (the AI SDK's prompt). */
  messages: JsonValue;
  pending_calls: JsonValue;
  pending_action_id: string | null;
  segment: number;
  output: string | null;
  /** Written as JSON `null` (not SQL null) while the run has no error. */
  error: JsonValue;
  created_at: CreatedAt;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
}
