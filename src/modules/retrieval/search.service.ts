import { AppError } from '../../platform/errors/index.ts';
import type {
  ChunkIndex,
  ChunkPosition,
  IndexedCollection,
  IndexHit,
  SearchScope,
} from './chunk-index.port.ts';
import {
  type AgreementFusionSettings,
  agreementWeightedFusion,
  DEFAULT_AGREEMENT_FUSION,
  type FusedHit,
  type RankedSignal,
  singleList,
} from './fusion.ts';
import type { ChunkMetadata, MetadataFilter } from './metadata-filter.ts';
import { retrievalErrors } from './retrieval.errors.ts';
import { buildSnippet, type Highlight } from './snippet.ts';
import type { TextEmbedder } from './text-embedder.ts';

export type SearchMode = 'lexical' | 'vector' | 'hybrid';

/** Why a hybrid search ran lexically only. */
export type LexicalFallbackReason =
  | 'vector_index_unavailable'
  | 'no_embedding_model'
  | 'collection_not_embedded';

export interface SearchRequest {
  readonly tenantId: string;
  readonly collectionIds: readonly string[];
  readonly query: string;
  readonly k: number;
  readonly mode: SearchMode;
  readonly filter?: MetadataFilter | undefined;
  readonly documentIds?: readonly string[] | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** One retrieved chunk: what `answer` cites (by `chunkId`) and what a client shows. */
export interface SearchResult {
  readonly chunkId: string;
  readonly documentId: string;
  readonly collectionId: string;
  /** The document's title. */
  readonly title: string;
  /** 1-based rank in this answer. */
  readonly rank: number;
  /** Fused score (hybrid), BM25 (lexical) or cosine similarity (vector): comparable within one answer only. */
  readonly score: number;
  readonly lexical: RankedSignal | null;
  readonly vector: RankedSignal | null;
  readonly content: string;
  readonly snippet: string;
  readonly highlights: readonly Highlight[];
  readonly position: ChunkPosition;
  readonly metadata: ChunkMetadata;
}

export interface SearchResponse {
  readonly mode: SearchMode;
  readonly requestedMode: SearchMode;
  readonly fallback: { readonly reason: LexicalFallbackReason; readonly detail: string } | null;
  readonly embeddingModel: string | null;
  readonly results: readonly SearchResult[];
}

export interface SearchServiceOptions {
  readonly index: ChunkIndex;
  readonly embedder?: TextEmbedder | undefined;
  /** How many hits each side contributes to the fusion (at least k). */
  readonly candidateDepth?: number;
  /** The reciprocal-rank constant (default 60); `fusion` sets it too. */
  readonly rrfK?: number;
  /** How the vector side is weighted by its agreement with the lexical side (default DEFAULT_AGREEMENT_FUSION). */
  readonly fusion?: AgreementFusionSettings;
}

/**
 * Lexical, vector or hybrid search over a tenant's collections. Hybrid is reciprocal-rank fusion with the
 * vector side weighted, per query, by how much it agrees with the lexical side.
 */
export class SearchService {
  readonly #index: ChunkIndex;
  readonly #embedder: TextEmbedder | undefined;
  readonly #candidateDepth: number;
  readonly #fusion: AgreementFusionSettings;

  constructor(options: SearchServiceOptions) {
    this.#index = options.index;
    this.#embedder = options.embedder;
    this.#candidateDepth = options.candidateDepth ?? 50;
    const fusion = options.fusion ?? DEFAULT_AGREEMENT_FUSION;
    this.#fusion = options.rrfK === undefined ? fusion : { ...fusion, k: options.rrfK };
  }

  get embeddingModel(): string | null {
    return this.#embedder?.modelId ?? null;
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const collectionIds = [...new Set(request.collectionIds)];
    const collections = await this.#index.getCollections(request.tenantId, collectionIds);
    const missing = collectionIds.filter((id) => !collections.some((found) => found.collectionId === id));
    if (missing.length > 0) {
      throw new AppError(retrievalErrors.RETRIEVAL_COLLECTION_NOT_FOUND, {
        detail: `No collection ${missing.join(', ')}.`,
        details: { missing },
      });
    }
    const plan = this.#plan(request.mode, collections);
    const scope: SearchScope = {
      tenantId: request.tenantId,
      collectionIds,
      filter: request.filter,
      documentIds: request.documentIds,
      limit: plan.mode === 'hybrid' ? Math.max(request.k, this.#candidateDepth) : request.k,
    };
    const [lexical, vector] = await Promise.all([
      plan.mode === 'vector' ? [] : this.#index.searchLexical(scope, request.query),
      plan.mode === 'lexical' ? [] : this.#searchVector(scope, request.query, request.signal),
    ]);
    const fused =
      plan.mode === 'hybrid'
        ? agreementWeightedFusion(lexical, vector, this.#fusion)
        : singleList(plan.mode === 'lexical' ? lexical : vector, plan.mode);
    return {
      mode: plan.mode,
      requestedMode: request.mode,
      fallback: plan.fallback,
      embeddingModel: plan.mode === 'lexical' ? null : (this.#embedder?.modelId ?? null),
      results: await this.#hydrate(request, fused.slice(0, request.k)),
    };
  }

  #plan(
    requested: SearchMode,
    collections: readonly IndexedCollection[],
  ): Pick<SearchResponse, 'mode' | 'fallback'> {
    if (requested === 'lexical') return { mode: 'lexical', fallback: null };
    const embedder = this.#embedder;
    const unavailable: { reason: LexicalFallbackReason; detail: string } | undefined = !this.#index
      .vectorSupported
      ? {
          reason: 'vector_index_unavailable',
          detail: 'The database has no pgvector extension, so only lexical search is available.',
        }
      : embedder === undefined
        ? { reason: 'no_embedding_model', detail: 'No embedding model is configured.' }
        : undefined;
    if (unavailable) {
      if (requested === 'vector') {
        throw new AppError(retrievalErrors.RETRIEVAL_VECTOR_UNAVAILABLE, {
          detail: unavailable.detail,
          details: { reason: unavailable.reason },
        });
      }
      return { mode: 'lexical', fallback: unavailable };
    }
    const modelId = embedder?.modelId ?? '';
    const mismatched = collections.find(
      (collection) => collection.embeddingModel !== null && collection.embeddingModel !== modelId,
    );
    if (mismatched) {
      throw new AppError(retrievalErrors.RETRIEVAL_EMBEDDING_MISMATCH, {
        detail: `Collection ${mismatched.collectionId} was embedded with ${mismatched.embeddingModel}, but Keel now embeds queries with ${modelId}. Re-index the collection, or search with mode lexical.`,
        details: {
          collection_id: mismatched.collectionId,
          collection_model: mismatched.embeddingModel,
          configured_model: modelId,
        },
      });
    }
    const notEmbedded = collections.find(
      (collection) => collection.embeddingModel === null && collection.chunkCount > 0,
    );
    if (notEmbedded) {
      const detail = `Collection ${notEmbedded.collectionId} was indexed without an embedding model; re-index it to search it by meaning.`;
      if (requested === 'vector') {
        throw new AppError(retrievalErrors.RETRIEVAL_COLLECTION_NOT_EMBEDDED, {
          detail,
          details: { collection_id: notEmbedded.collectionId },
        });
      }
      return { mode: 'lexical', fallback: { reason: 'collection_not_embedded', detail } };
    }
    return { mode: requested, fallback: null };
  }

  async #searchVector(
    scope: SearchScope,
    query: string,
    signal: AbortSignal | undefined,
  ): Promise<IndexHit[]> {
    const embedder = this.#embedder;
    if (!embedder) return [];
    const [embedding] = await embedder.embed([query], signal);
    if (!embedding) return [];
    return this.#index.searchVector(scope, embedding);
  }

  async #hydrate(request: SearchRequest, hits: readonly FusedHit[]): Promise<SearchResult[]> {
    const chunks = new Map(
      (
        await this.#index.getChunks(
          request.tenantId,
          hits.map((hit) => hit.chunkId),
        )
      ).map((chunk) => [chunk.id, chunk]),
    );
    const results: SearchResult[] = [];
    for (const hit of hits) {
      const chunk = chunks.get(hit.chunkId);
      // A chunk deleted between the search and now is simply left out.
      if (!chunk) continue;
      const snippet = buildSnippet(chunk.content, request.query);
      results.push({
        chunkId: chunk.id,
        documentId: chunk.documentId,
        collectionId: chunk.collectionId,
        title: chunk.title,
        rank: results.length + 1,
        score: hit.score,
        lexical: hit.lexical,
        vector: hit.vector,
        content: chunk.content,
        snippet: snippet.text,
        highlights: snippet.highlights,
        position: chunk.position,
        metadata: chunk.metadata,
      });
    }
    return results;
  }
}
