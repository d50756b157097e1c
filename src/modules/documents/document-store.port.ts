import type { Page, PageQuery } from '../../platform/pagination/index.ts';
import type { ChunkMetadata } from '../retrieval/index.ts';
import type { ChunkingOptions } from './chunking/chunker.ts';

export interface CollectionRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly description: string | null;
  readonly metadata: ChunkMetadata;
  readonly chunking: ChunkingOptions;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';

/** The last ingestion step a document completed; a restarted ingestion resumes after it. */
export type IngestionStage = 'received' | 'chunked' | 'embedded';

export type IngestionStep = 'parse' | 'chunk' | 'embed' | 'index';

export interface DocumentProgress {
  readonly step: IngestionStep;
  readonly completed: number;
  readonly total: number;
}

/** Why a document failed, as a problem: the code is in docs/errors.md. */
export interface DocumentProblem {
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly retryable: boolean;
}

export interface DocumentRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly collectionId: string;
  readonly title: string;
  /** True when the uploader named the document; otherwise ingestion may take the document's own title. */
  readonly titleGiven: boolean;
  readonly sourceName: string | null;
  readonly mediaType: string;
  readonly byteSize: number;
  /** SHA-256 of the uploaded bytes: the same bytes twice in a collection are one document. */
  readonly contentHash: string;
  readonly metadata: ChunkMetadata;
  readonly status: DocumentStatus;
  readonly stage: IngestionStage;
  readonly progress: DocumentProgress | null;
  readonly error: DocumentProblem | null;
  readonly chunkCount: number;
  readonly characterCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DocumentPatch = Partial<
  Pick<DocumentRecord, 'title' | 'status' | 'stage' | 'progress' | 'error' | 'chunkCount' | 'characterCount'>
> & { readonly updatedAt: Date };

export type { Page, PageQuery };

/**
 * Storage port of collections, documents and their source bytes. Every method that takes a tenant filters
 * by it in the query: another tenant's ids behave like missing ones.
 */
export interface DocumentStore {
  /** Throws DOCUMENTS_COLLECTION_EXISTS when the tenant already has a collection with this name. */
  createCollection(collection: CollectionRecord): Promise<void>;
  getCollection(tenantId: string, id: string): Promise<CollectionRecord | undefined>;
  findCollectionByName(tenantId: string, name: string): Promise<CollectionRecord | undefined>;
  listCollections(tenantId: string, query: PageQuery): Promise<Page<CollectionRecord>>;
  /** Deletes the collection with its documents and their sources; false when there was none. */
  deleteCollection(tenantId: string, id: string): Promise<boolean>;
  countDocuments(tenantId: string, collectionId: string): Promise<Record<DocumentStatus, number>>;

  /**
   * Stores a document and its bytes, unless the collection already holds the same bytes: then nothing is
   * written and the existing document comes back with `created: false`.
   */
  insertDocument(
    document: DocumentRecord,
    source: Uint8Array,
  ): Promise<{ readonly document: DocumentRecord; readonly created: boolean }>;
  getDocument(tenantId: string, id: string): Promise<DocumentRecord | undefined>;
  listDocuments(
    tenantId: string,
    collectionId: string,
    query: PageQuery & { readonly status?: DocumentStatus | undefined },
  ): Promise<Page<DocumentRecord>>;
  readSource(tenantId: string, id: string): Promise<Uint8Array | undefined>;
  updateDocument(tenantId: string, id: string, patch: DocumentPatch): Promise<DocumentRecord | undefined>;
  deleteDocument(tenantId: string, id: string): Promise<boolean>;
  /** Documents queued or interrupted mid-ingestion, oldest first, across tenants (resumed at start). */
  pendingDocuments(limit: number): Promise<Array<{ readonly tenantId: string; readonly id: string }>>;
  /** Sends every document of the collection back to the start of ingestion; returns their ids. */
  requeueCollection(tenantId: string, collectionId: string, at: Date): Promise<string[]>;
}
