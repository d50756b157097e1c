import type { CreatedAt, Timestamp } from './column-types.ts';

/** Owned by the evals module (0007): keyed by (tenant_id, id); `version` grows with each item addition. */
export interface EvalDatasetTable {
  tenant_id: string;
  id: string;
  name: string;
  capability: string;
  description: string;
  version: number;
  item_count: number;
  created_at: CreatedAt;
  updated_at: Timestamp;
}
