import type { CreatedAt, JsonValue } from './column-types.ts';

/** Owned by the variants module (0012): one immutable row per capability version. */
export interface VariantTable {
  capability: string;
  version: number;
  instructions: string | null;
  model: string | null;
  settings: JsonValue;
  description: string | null;
  source: string;
  created_at: CreatedAt;
}
