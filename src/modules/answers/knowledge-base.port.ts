import type { SearchRequest, SearchResponse } from '../retrieval/index.ts';

/**
 * What grounded capabilities read: the tenant's collections and a search over them. The composition root
 * backs it with the retrieval module's SearchService and the documents module's collections.
 */
export interface KnowledgeBase {
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Ids of the tenant's collections, newest first, at most `limit`. */
  collectionIds(tenantId: string, limit: number): Promise<string[]>;
}
