/** Owned by the retrieval module (0005): BM25 document frequencies per collection. */
export interface RetrievalTermTable {
  collection_id: string;
  term: string;
  tenant_id: string;
  chunk_count: number;
}
