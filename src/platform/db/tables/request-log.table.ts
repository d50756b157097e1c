import type { Generated, JSONColumnType } from 'kysely';
import type { CreatedAt } from './column-types.ts';

/** Owned by the request-log module (0001, grown by 0004): one row per authenticated request. */
export interface RequestLogTable {
  id: string;
  tenant_id: string;
  capability: string | null;
  outcome: string;
  http_status: number;
  error_code: string | null;
  models: JSONColumnType<string[]>;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  input: JSONColumnType<object | null>;
  output: JSONColumnType<object | null>;
  created_at: CreatedAt;
  sequence: Generated<string>;
  /** 0004: who called and how; null on rows written before it. */
  api_key_id: string | null;
  method: string | null;
  route: string | null;
  cost_usd: Generated<number>;
  trace_id: string | null;
  /** 0012: the variant that served (`summarize@3`); null without one. */
  variant: string | null;
  /** 0013: the call's guardrail decisions; null when no policy applied. */
  guardrails: JSONColumnType<object[] | null>;
}
