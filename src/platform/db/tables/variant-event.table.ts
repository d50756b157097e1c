import type { Generated } from 'kysely';
import type { CreatedAt, JsonValue } from './column-types.ts';

/** Owned by the variants module (0012): promotions, rollbacks (automatic ones too) and traffic changes. */
export interface VariantEventTable {
  id: string;
  capability: string;
  type: string;
  version: number | null;
  details: JsonValue;
  webhook: string;
  created_at: CreatedAt;
  sequence: Generated<string>;
}
