import type { ColumnType } from 'kysely';
import type { CreatedAt } from './column-types.ts';

/** Owned by the retrieval module (0005): a collection as the index sees it. */
export interface RetrievalCollectionTable {
  collection_id: string;
  tenant_id: string;
  embedding_model: string | null;
  embedding_dimensions: number | null;
  /** `bigint`: read back as a string. */
  chunk_count: ColumnType<string, string | number, string | number>;
  lexical_length: ColumnType<string, string | number, string | number>;
  created_at: CreatedAt;
}
