import { AppError } from '../../platform/errors/index.ts';
import { inverseDocumentFrequency, termScore } from './bm25.ts';
import {
  BM25,
  type ChunkIndex,
  type ChunkInput,
  type ChunkVector,
  type DocumentRef,
  embeddingText,
  type IndexedCollection,
  type IndexHit,
  type SearchScope,
  type StoredChunk,
} from './chunk-index.port.ts';
import { matchesFilter } from './metadata-filter.ts';
import { retrievalErrors } from './retrieval.errors.ts';

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have he her his i in into is it its of on or she that the their they this to was were will with'.split(
    ' ',
  ),
);

/** Lower-cased words without stop words: the in-memory stand-in for PostgreSQL's `english` lexemes. */
export function simpleTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
}

interface Entry {
  readonly chunk: StoredChunk;
  readonly frequencies: ReadonlyMap<string, number>;
  readonly length: number;
  vector: readonly number[] | undefined;
}

interface CollectionState {
  tenantId: string;
  embeddingModel: string | null;
  embeddingDimensions: number | null;
}

/** In-memory adapter: exact BM25 and brute-force cosine; the reference behaviour of the contract suite. */
export class MemoryChunkIndex implements ChunkIndex {
  readonly vectorSupported: boolean;
  readonly #collections = new Map<string, CollectionState>();
  readonly #chunks = new Map<string, Entry>();

  constructor(options: { readonly vectorSupported?: boolean } = {}) {
    this.vectorSupported = options.vectorSupported ?? true;
  }

  async ensureCollection(
    tenantId: string,
    collectionId: string,
    embeddingModel: string | null,
  ): Promise<IndexedCollection> {
    const existing = this.#collections.get(collectionId);
    if (existing && existing.tenantId !== tenantId)
      throw new Error(`collection ${collectionId} belongs to another tenant`);
    if (!existing)
      this.#collections.set(collectionId, { tenantId, embeddingModel, embeddingDimensions: null });
    return this.#describe(collectionId);
  }

  async getCollections(tenantId: string, collectionIds: readonly string[]): Promise<IndexedCollection[]> {
    return collectionIds
      .filter((id) => this.#collections.get(id)?.tenantId === tenantId)
      .map((id) => this.#describe(id));
  }

  async deleteCollection(tenantId: string, collectionId: string): Promise<void> {
    if (this.#collections.get(collectionId)?.tenantId !== tenantId) return;
    this.#collections.delete(collectionId);
    for (const [id, entry] of this.#chunks)
      if (entry.chunk.collectionId === collectionId) this.#chunks.delete(id);
  }

  async resetEmbeddings(
    tenantId: string,
    collectionId: string,
    embeddingModel: string | null,
  ): Promise<void> {
    const state = this.#collections.get(collectionId);
    if (state?.tenantId !== tenantId) return;
    state.embeddingModel = embeddingModel;
    state.embeddingDimensions = null;
    for (const entry of this.#chunks.values())
      if (entry.chunk.collectionId === collectionId) entry.vector = undefined;
  }

  async replaceDocumentChunks(document: DocumentRef, chunks: readonly ChunkInput[]): Promise<void> {
    if (this.#collections.get(document.collectionId)?.tenantId !== document.tenantId) {
      throw new Error(`collection ${document.collectionId} is not registered in the index`);
    }
    await this.deleteDocumentChunks(document.tenantId, document.documentId);
    for (const chunk of chunks) {
      const frequencies = new Map<string, number>();
      const heading = [document.title, ...chunk.position.headingPath].join(' ');
      for (const term of simpleTerms(heading))
        frequencies.set(term, (frequencies.get(term) ?? 0) + BM25.titleWeight);
      for (const term of simpleTerms(chunk.content)) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
      let length = 0;
      for (const count of frequencies.values()) length += count;
      this.#chunks.set(chunk.id, {
        chunk: structuredClone({
          ...chunk,
          tenantId: document.tenantId,
          collectionId: document.collectionId,
          documentId: document.documentId,
          title: document.title,
          metadata: document.metadata,
        }) as StoredChunk,
        frequencies,
        length,
        vector: undefined,
      });
    }
  }

  async deleteDocumentChunks(tenantId: string, documentId: string): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.#chunks) {
      if (entry.chunk.tenantId === tenantId && entry.chunk.documentId === documentId) {
        this.#chunks.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  async listDocumentChunks(
    tenantId: string,
    documentId: string,
    page: { readonly offset: number; readonly limit: number },
  ): Promise<{ items: StoredChunk[]; total: number; embedded: number }> {
    const entries = this.#documentEntries(tenantId, documentId);
    return {
      items: entries
        .slice(page.offset, page.offset + page.limit)
        .map((entry) => structuredClone(entry.chunk)),
      total: entries.length,
      embedded: entries.filter((entry) => entry.vector !== undefined).length,
    };
  }

  async getChunks(tenantId: string, chunkIds: readonly string[]): Promise<StoredChunk[]> {
    return chunkIds
      .map((id) => this.#chunks.get(id))
      .filter((entry): entry is Entry => entry !== undefined && entry.chunk.tenantId === tenantId)
      .map((entry) => structuredClone(entry.chunk));
  }

  async chunksToEmbed(
    tenantId: string,
    documentId: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; text: string }>> {
    if (!this.vectorSupported) return [];
    return this.#documentEntries(tenantId, documentId)
      .filter((entry) => entry.vector === undefined)
      .slice(0, limit)
      .map(({ chunk }) => ({
        chunkId: chunk.id,
        text: embeddingText(chunk.title, chunk.position.headingPath, chunk.content),
      }));
  }

  async storeEmbeddings(
    tenantId: string,
    collectionId: string,
    embeddingModel: string,
    vectors: readonly ChunkVector[],
  ): Promise<void> {
    const state = this.#collections.get(collectionId);
    if (!this.vectorSupported || state?.tenantId !== tenantId || vectors.length === 0) return;
    const dimensions = vectors[0]?.embedding.length ?? 0;
    assertCompatible(collectionId, state, embeddingModel, vectors);
    state.embeddingModel = embeddingModel;
    state.embeddingDimensions ??= dimensions;
    for (const { chunkId, embedding } of vectors) {
      const entry = this.#chunks.get(chunkId);
      if (entry?.chunk.tenantId === tenantId && entry.chunk.collectionId === collectionId)
        entry.vector = [...embedding];
    }
  }

  async searchLexical(scope: SearchScope, query: string): Promise<IndexHit[]> {
    const terms = [...new Set(simpleTerms(query))];
    const inCollections = [...this.#chunks.values()].filter(
      (entry) =>
        entry.chunk.tenantId === scope.tenantId && scope.collectionIds.includes(entry.chunk.collectionId),
    );
    if (terms.length === 0 || inCollections.length === 0) return [];
    // Statistics cover the whole collections, as the SQL index's do, whatever the filters.
    const averageLength = inCollections.reduce((sum, entry) => sum + entry.length, 0) / inCollections.length;
    const idf = new Map(
      terms.map((term) => [
        term,
        inverseDocumentFrequency(
          inCollections.length,
          inCollections.filter((entry) => entry.frequencies.has(term)).length,
        ),
      ]),
    );
    return inCollections
      .filter((entry) => this.#inScope(entry, scope))
      .map((entry) => ({
        chunkId: entry.chunk.id,
        score: terms.reduce(
          (sum, term) =>
            sum +
            termScore(idf.get(term) ?? 0, entry.frequencies.get(term) ?? 0, entry.length, averageLength),
          0,
        ),
      }))
      .filter((hit) => hit.score > 0)
      .sort(byScoreThenId)
      .slice(0, scope.limit);
  }

  async searchVector(scope: SearchScope, embedding: readonly number[]): Promise<IndexHit[]> {
    if (!this.vectorSupported) return [];
    return [...this.#chunks.values()]
      .filter(
        (entry) =>
          entry.vector !== undefined &&
          entry.vector.length === embedding.length &&
          entry.chunk.tenantId === scope.tenantId &&
          scope.collectionIds.includes(entry.chunk.collectionId) &&
          this.#inScope(entry, scope),
      )
      .map((entry) => ({ chunkId: entry.chunk.id, score: cosine(entry.vector ?? [], embedding) }))
      .sort(byScoreThenId)
      .slice(0, scope.limit);
  }

  #inScope(entry: Entry, scope: SearchScope): boolean {
    return (
      matchesFilter(entry.chunk.metadata, scope.filter) &&
      (scope.documentIds === undefined || scope.documentIds.includes(entry.chunk.documentId))
    );
  }

  #documentEntries(tenantId: string, documentId: string): Entry[] {
    return [...this.#chunks.values()]
      .filter((entry) => entry.chunk.tenantId === tenantId && entry.chunk.documentId === documentId)
      .sort((a, b) => a.chunk.position.ordinal - b.chunk.position.ordinal);
  }

  #describe(collectionId: string): IndexedCollection {
    const state = this.#collections.get(collectionId);
    if (!state) throw new Error(`unknown collection ${collectionId}`);
    let chunkCount = 0;
    for (const entry of this.#chunks.values()) if (entry.chunk.collectionId === collectionId) chunkCount += 1;
    return {
      collectionId,
      tenantId: state.tenantId,
      embeddingModel: state.embeddingModel,
      embeddingDimensions: state.embeddingDimensions,
      chunkCount,
    };
  }
}

function assertCompatible(
  collectionId: string,
  state: CollectionState,
  embeddingModel: string,
  vectors: readonly ChunkVector[],
): void {
  const dimensions = vectors[0]?.embedding.length ?? 0;
  const wrongLength = vectors.some((vector) => vector.embedding.length !== dimensions);
  if (
    wrongLength ||
    (state.embeddingModel !== null && state.embeddingModel !== embeddingModel) ||
    (state.embeddingDimensions !== null && state.embeddingDimensions !== dimensions)
  ) {
    throw embeddingMismatch(
      collectionId,
      state.embeddingModel,
      state.embeddingDimensions,
      embeddingModel,
      dimensions,
    );
  }
}

export function embeddingMismatch(
  collectionId: string,
  collectionModel: string | null,
  collectionDimensions: number | null,
  configuredModel: string,
  dimensions: number,
): AppError {
  return new AppError(retrievalErrors.RETRIEVAL_EMBEDDING_MISMATCH, {
    detail: `Collection ${collectionId} holds vectors of ${collectionModel ?? '(none)'} (${collectionDimensions ?? '?'} dimensions); the vectors offered come from ${configuredModel} (${dimensions} dimensions). Re-index the collection.`,
    details: {
      collection_id: collectionId,
      collection_model: collectionModel,
      collection_dimensions: collectionDimensions,
      configured_model: configuredModel,
      dimensions,
    },
  });
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

function byScoreThenId(a: IndexHit, b: IndexHit): number {
  return b.score - a.score || (a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0);
}
