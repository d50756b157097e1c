import type { Generated, JSONColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.ts';

/** Owned by the documents module (0005). */
export interface DocumentCollectionTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  metadata: JSONColumnType<Record<string, unknown>>;
  chunking: JSONColumnType<{ maxTokens: number; overlapTokens: number }>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  sequence: Generated<string>;
}
