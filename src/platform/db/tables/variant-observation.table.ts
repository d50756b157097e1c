import type { CreatedAt } from './column-types.ts';

/** Owned by the variants module (0012): one row per observed call of a variant (live or shadow). */
export interface VariantObservationTable {
  tenant_id: string;
  request_id: string;
  capability: string;
  version: number | null;
  role: string;
  outcome: string;
  error_code: string | null;
  schema_valid: boolean;
  latency_ms: number;
  cost_usd: number;
  score: number | null;
  agreement: number | null;
  /** A feedback rating in 0..1 (thumbs up 1, scale (v-1)/4), set when feedback arrives. */
  rating: number | null;
  created_at: CreatedAt;
}
