import type { Generated, JSONColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.ts';

/** Owned by the documents module (0005). */
export interface DocumentTable {
  id: string;
  tenant_id: string;
  collection_id: string;
  title: string;
  title_given: boolean;
  source_name: string | null;
  media_type: string;
  byte_size: number;
  content_hash: string;
  metadata: JSONColumnType<Record<string, unknown>>;
  status: string;
  stage: string;
  progress: JSONColumnType<object | null>;
  error: JSONColumnType<object | null>;
  chunk_count: Generated<number>;
  character_count: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  sequence: Generated<string>;
}
