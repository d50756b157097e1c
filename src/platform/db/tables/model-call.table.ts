import type { Generated } from 'kysely';
import type { CreatedAt } from './column-types.ts';

/** Owned by the gateway (0002): one row per model call. */
export interface ModelCallTable {
  id: string;
  request_id: string;
  tenant_id: string;
  source: string;
  operation: string;
  route: string;
  deployment: string | null;
  provider: string | null;
  model: string | null;
  outcome: string;
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  tokens_estimated: boolean;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  attempts: number;
  retries: number;
  fallbacks: number;
  cache_hit: boolean;
  cost_usd: number | null;
  repair: number;
  created_at: CreatedAt;
  sequence: Generated<string>;
  /** 0011: who the call counts against (budgets are seeded from it); null on older rows and outside requests. */
  subject: string | null;
  /** 0012: the variant whose invocation made the call (`summarize@3`); null without one. */
  variant: string | null;
}
