import type { JSONColumnType } from 'kysely';
import type { JsonValue } from './column-types.ts';

/** Owned by the evals module (0007): one item under one variant, keyed by (tenant_id, run_id, item_id, variant). */
export interface EvalResultTable {
  tenant_id: string;
  run_id: string;
  item_id: string;
  variant: string;
  position: number;
  output: JsonValue;
  scores: JsonValue;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  error: JSONColumnType<{ code: string; detail: string } | null, string | null, string | null>;
}
