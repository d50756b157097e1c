import type { JSONColumnType } from 'kysely';

/** Owned by the retrieval module (0005). `search_vector` and the term arrays are written in SQL. */
export interface RetrievalChunkTable {
  id: string;
  tenant_id: string;
  collection_id: string;
  document_id: string;
  ordinal: number;
  title: string;
  heading_path: JSONColumnType<string[]>;
  content: string;
  start_offset: number;
  end_offset: number;
  page_start: number | null;
  page_end: number | null;
  token_count: number;
  metadata: JSONColumnType<Record<string, unknown>>;
  search_vector: string;
  terms: string[];
  term_hashes: number[];
  term_frequencies: number[];
  lexical_length: number;
}
