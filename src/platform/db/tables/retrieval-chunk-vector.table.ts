/**
 * Owned by the retrieval module (0005, `createVectorSchema`): one embedding per chunk, present only where
 * pgvector is installed. Written and searched in SQL (`vector` has no driver type: its text is `[1,2,3]`).
 */
export interface RetrievalChunkVectorTable {
  chunk_id: string;
  tenant_id: string;
  collection_id: string;
  dimensions: number;
  embedding: string;
}
