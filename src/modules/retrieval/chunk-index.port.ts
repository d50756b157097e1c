import type { ChunkMetadata, MetadataFilter } from './metadata-filter.ts';

/** Where a chunk sits in its document: offsets into the document's normalised text, pages for PDFs. */
export interface ChunkPosition {
  /** 0-based order of the chunk in its document. */
  readonly ordinal: number;
  /** Character offsets `[start, end)` into the normalised text; consecutive chunks overlap. */
  readonly start: number;
  readonly end: number;
  /** 1-based pages the chunk spans (PDF only), else null. */
  readonly pageStart: number | null;
  readonly pageEnd: number | null;
  /** Headings above the chunk, outermost first. */
  readonly headingPath: readonly string[];
}

/** A chunk as ingestion hands it to the index. */
export interface ChunkInput {
  readonly id: string;
  readonly content: string;
  readonly position: ChunkPosition;
  readonly tokenCount: number;
}

/** A chunk as the index returns it. */
export interface StoredChunk extends ChunkInput {
  readonly tenantId: string;
  readonly collectionId: string;
  readonly documentId: string;
  /** The document title, indexed with every chunk (it weighs like a heading). */
  readonly title: string;
  readonly metadata: ChunkMetadata;
}

/** A collection as the index sees it: which embedder made its vectors, and how much text it holds. */
export interface IndexedCollection {
  readonly collectionId: string;
  readonly tenantId: string;
  /** `provider:model` of the embedder whose vectors the collection holds; null when it has none. */
  readonly embeddingModel: string | null;
  /** Recorded with the first vectors stored. */
  readonly embeddingDimensions: number | null;
  readonly chunkCount: number;
}

/** The document a set of chunks belongs to, with what every chunk inherits from it. */
export interface DocumentRef {
  readonly tenantId: string;
  readonly collectionId: string;
  readonly documentId: string;
  readonly title: string;
  readonly metadata: ChunkMetadata;
}

export interface SearchScope {
  readonly tenantId: string;
  readonly collectionIds: readonly string[];
  readonly filter?: MetadataFilter | undefined;
  readonly documentIds?: readonly string[] | undefined;
  /** How many hits to return, best first. */
  readonly limit: number;
}

export interface IndexHit {
  readonly chunkId: string;
  /** BM25 score (lexical) or cosine similarity (vector). */
  readonly score: number;
}

export interface ChunkVector {
  readonly chunkId: string;
  readonly embedding: readonly number[];
}

/**
 * Storage port of the retrieval index: chunks with a lexical index (BM25 over PostgreSQL full-text
 * lexemes) and, where supported, a vector index. Every method takes the tenant and filters by it inside
 * the query: another tenant's ids behave like missing ones.
 */
export interface ChunkIndex {
  /** False on a PostgreSQL without pgvector: vectors are neither stored nor searched. */
  readonly vectorSupported: boolean;

  /** Registers a collection (idempotent); an existing collection keeps its recorded embedding model. */
  ensureCollection(
    tenantId: string,
    collectionId: string,
    embeddingModel: string | null,
  ): Promise<IndexedCollection>;
  getCollections(tenantId: string, collectionIds: readonly string[]): Promise<IndexedCollection[]>;
  /** Removes the collection with its chunks, statistics and vectors. */
  deleteCollection(tenantId: string, collectionId: string): Promise<void>;
  /** Forgets every vector of the collection and records the model the next vectors will come from. */
  resetEmbeddings(tenantId: string, collectionId: string, embeddingModel: string | null): Promise<void>;

  /** Replaces a document's chunks atomically (their vectors go with the old chunks). */
  replaceDocumentChunks(document: DocumentRef, chunks: readonly ChunkInput[]): Promise<void>;
  /** Removes a document's chunks and vectors; returns how many chunks went. */
  deleteDocumentChunks(tenantId: string, documentId: string): Promise<number>;
  listDocumentChunks(
    tenantId: string,
    documentId: string,
    page: { readonly offset: number; readonly limit: number },
  ): Promise<{ readonly items: StoredChunk[]; readonly total: number; readonly embedded: number }>;
  getChunks(tenantId: string, chunkIds: readonly string[]): Promise<StoredChunk[]>;

  /** Chunks of a document that have no vector yet, in order, with the text to embed. */
  chunksToEmbed(
    tenantId: string,
    documentId: string,
    limit: number,
  ): Promise<Array<{ readonly chunkId: string; readonly text: string }>>;
  /**
   * Stores vectors made by `embeddingModel`. Throws RETRIEVAL_EMBEDDING_MISMATCH when the collection
   * records another model or dimension; records the dimension with the first vectors. Vectors of chunks
   * deleted meanwhile are ignored.
   */
  storeEmbeddings(
    tenantId: string,
    collectionId: string,
    embeddingModel: string,
    vectors: readonly ChunkVector[],
  ): Promise<void>;

  searchLexical(scope: SearchScope, query: string): Promise<IndexHit[]>;
  searchVector(scope: SearchScope, embedding: readonly number[]): Promise<IndexHit[]>;
}

/** BM25 parameters shared by every adapter; k1 chosen across three collections (decision 0189, docs/retrieval.md). */
export const BM25 = Object.freeze({
  k1: 2.5,
  b: 0.75,
  /** A term in the title or headings counts this many times. */
  titleWeight: 2,
});

/** The text an embedder sees for a chunk: its document title and headings give it context. */
export function embeddingText(title: string, headingPath: readonly string[], content: string): string {
  const context = [title, ...headingPath].filter((part) => part.trim() !== '').join(' > ');
  return context === '' ? content : `${context}\n\n${content}`;
}
