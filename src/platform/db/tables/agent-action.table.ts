import type { Generated } from 'kysely';
import type { CreatedAt, JsonValue, Timestamp } from './column-types.ts';

/** Owned by the agents module (0008): the audit trail, one row per tool call an agent proposed. */
export interface AgentActionTable {
  id: string;
  run_id: string;
  tenant_id: string;
  step: number;
  tool_call_id: string;
  tool_name: string;
  arguments: JsonValue;
  status: string;
  allowed_by: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  result: JsonValue;
  error: JsonValue;
  created_at: CreatedAt;
  updated_at: Timestamp;
  sequence: Generated<string>;
}
