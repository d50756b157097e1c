// Retrieval: the chunk index (BM25 over PostgreSQL full-text lexemes, pgvector HNSW) and `POST /v1/search`
// (lexical, vector, hybrid by reciprocal-rank fusion). Documents write chunks into it; `answer` cites them.
export { candidateTerms, inverseDocumentFrequency, LEXICAL_CANDIDATE_BUDGET, termScore } from './bm25.ts';
export type {
  ChunkIndex,
  ChunkInput,
  ChunkPosition,
  ChunkVector,
  DocumentRef,
  IndexedCollection,
  IndexHit,
  SearchScope,
  StoredChunk,
} from './chunk-index.port.ts';
export { BM25, embeddingText } from './chunk-index.port.ts';
export {
  type AgreementFusionSettings,
  agreementOf,
  agreementWeightedFusion,
  DBPEDIA_ONLY_AGREEMENT_FUSION,
  DEFAULT_AGREEMENT_FUSION,
  DEFAULT_RRF_K,
  type FusedHit,
  rankBiasedOverlap,
  reciprocalRankFusion,
  vectorWeightFor,
} from './fusion.ts';
export { cosine, MemoryChunkIndex, simpleTerms } from './memory-chunk-index.ts';
export {
  type ChunkMetadata,
  type MetadataFilter,
  type MetadataScalar,
  matchesFilter,
  metadataFilterSchema,
} from './metadata-filter.ts';
export { retrievalErrors } from './retrieval.errors.ts';
export {
  chunkPositionSchema,
  presentChunkPosition,
  presentSearchResponse,
  registerSearchRoutes,
} from './search.routes.ts';
export type {
  LexicalFallbackReason,
  SearchMode,
  SearchRequest,
  SearchResponse,
  SearchResult,
} from './search.service.ts';
export { SearchService, type SearchServiceOptions } from './search.service.ts';
export { buildSnippet, type Highlight, type Snippet } from './snippet.ts';
export { SqlChunkIndex, type SqlChunkIndexOptions } from './sql-chunk-index.ts';
export { createTextEmbedder, type TextEmbedder } from './text-embedder.ts';
