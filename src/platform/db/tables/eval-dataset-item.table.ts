import type { JSONColumnType } from 'kysely';
import type { CreatedAt, JsonValue, NullableJsonValue } from './column-types.ts';

/** Owned by the evals module (0007): keyed by (tenant_id, dataset_id, position). */
export interface EvalDatasetItemTable {
  tenant_id: string;
  dataset_id: string;
  position: number;
  id: string;
  /** The dataset version that added the item. */
  version: number;
  input: JsonValue;
  expected: NullableJsonValue;
  reference: string | null;
  metadata: JSONColumnType<Record<string, unknown>>;
  feedback_id: string | null;
  created_at: CreatedAt;
}
