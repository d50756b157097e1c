import type { JSONColumnType } from 'kysely';
import type { CreatedAt, JsonValue, NullableJsonValue, NullableTimestamp } from './column-types.ts';

/** Owned by the evals module (0007): keyed by (tenant_id, id). */
export interface EvalRunTable {
  tenant_id: string;
  id: string;
  dataset_id: string;
  dataset_version: number;
  capability: string;
  variants: JSONColumnType<string[]>;
  scorers: JsonValue;
  concurrency: number;
  status: string;
  job_id: string | null;
  completed: number;
  total: number;
  summary: NullableJsonValue;
  error: JSONColumnType<{ code: string; detail: string } | null, string | null, string | null>;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}
