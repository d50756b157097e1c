import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../../platform/errors/index.ts';
import type { ChunkIndex, ChunkMetadata, IndexedCollection, StoredChunk } from '../retrieval/index.ts';
import { type ChunkingOptions, DEFAULT_CHUNKING } from './chunking/chunker.ts';
import type {
  CollectionRecord,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  Page,
  PageQuery,
} from './document-store.port.ts';
import { documentErrors } from './documents.errors.ts';
import type { IngestionClock } from './ingestion/ingestion-pipeline.ts';
import type { IngestionScheduler } from './ingestion/ingestion-runner.ts';
import { detectMediaType, SUPPORTED_MEDIA_TYPES } from './parsing/media-type.ts';

export interface DocumentsServiceOptions {
  readonly store: DocumentStore;
  readonly index: ChunkIndex;
  readonly scheduler: IngestionScheduler;
  readonly clock: IngestionClock;
  /** The embedding model new collections record (null: none, or no vector index). */
  readonly embeddingModel: string | null;
  readonly maxUploadBytes: number;
}

export interface CollectionInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly metadata?: ChunkMetadata | undefined;
  readonly chunking?: Partial<ChunkingOptions> | undefined;
}

export interface CollectionDetails {
  readonly collection: CollectionRecord;
  readonly index: IndexedCollection | undefined;
  readonly documents: Record<DocumentStatus, number>;
}

export interface DocumentInput {
  readonly bytes: Uint8Array;
  readonly declaredType?: string | undefined;
  readonly filename?: string | undefined;
  readonly title?: string | undefined;
  readonly metadata?: ChunkMetadata | undefined;
}

export interface AcceptedDocument {
  readonly document: DocumentRecord;
  /** The collection already held these bytes: this is that document. */
  readonly duplicate: boolean;
  /** Whether ingestion was (re)started by this call. */
  readonly scheduled: boolean;
  readonly jobId: string | null;
}

/** Collections and documents: what the routes and `keel ingest` call. Every call is scoped by tenant. */
export class DocumentsService {
  readonly #store: DocumentStore;
  readonly #index: ChunkIndex;
  readonly #scheduler: IngestionScheduler;
  readonly #clock: IngestionClock;
  readonly #embeddingModel: string | null;
  readonly maxUploadBytes: number;

  constructor(options: DocumentsServiceOptions) {
    this.#store = options.store;
    this.#index = options.index;
    this.#scheduler = options.scheduler;
    this.#clock = options.clock;
    this.#embeddingModel = options.embeddingModel;
    this.maxUploadBytes = options.maxUploadBytes;
  }

  async createCollection(tenantId: string, input: CollectionInput): Promise<CollectionDetails> {
    const now = this.#clock.now();
    const collection: CollectionRecord = {
      id: newId('col'),
      tenantId,
      name: input.name,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      chunking: { ...DEFAULT_CHUNKING, ...input.chunking },
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.createCollection(collection);
    const index = await this.#index.ensureCollection(tenantId, collection.id, this.#embeddingModel);
    return { collection, index, documents: { queued: 0, processing: 0, ready: 0, failed: 0 } };
  }

  async getCollection(tenantId: string, id: string): Promise<CollectionDetails> {
    const collection = await this.#collection(tenantId, id);
    return this.#details(collection);
  }

  async findCollectionByName(tenantId: string, name: string): Promise<CollectionDetails | undefined> {
    const collection = await this.#store.findCollectionByName(tenantId, name);
    return collection ? this.#details(collection) : undefined;
  }

  async listCollections(tenantId: string, query: PageQuery): Promise<Page<CollectionDetails>> {
    const page = await this.#store.listCollections(tenantId, query);
    return {
      items: await Promise.all(page.items.map((item) => this.#details(item))),
      nextCursor: page.nextCursor,
    };
  }

  async deleteCollection(tenantId: string, id: string): Promise<void> {
    await this.#collection(tenantId, id);
    // Queued documents find themselves gone when their turn comes; running ones are stopped now.
    const running = await this.#store.listDocuments(tenantId, id, { limit: 1_000, status: 'processing' });
    for (const document of running.items) await this.#scheduler.cancel(tenantId, document.id);
    // The index first: a failure half-way leaves a collection that can be deleted again, never orphan chunks.
    await this.#index.deleteCollection(tenantId, id);
    await this.#store.deleteCollection(tenantId, id);
  }

  /** Re-ingests every document of the collection with the current embedder (after changing it). */
  async reindexCollection(tenantId: string, id: string): Promise<{ readonly documents: number }> {
    await this.#collection(tenantId, id);
    const running = await this.#store.listDocuments(tenantId, id, { limit: 1_000, status: 'processing' });
    for (const document of running.items) await this.#scheduler.cancel(tenantId, document.id);
    await this.#index.ensureCollection(tenantId, id, this.#embeddingModel);
    await this.#index.resetEmbeddings(tenantId, id, this.#embeddingModel);
    const ids = await this.#store.requeueCollection(tenantId, id, this.#clock.now());
    for (const documentId of ids) await this.#scheduler.schedule(tenantId, documentId);
    return { documents: ids.length };
  }

  async addDocument(tenantId: string, collectionId: string, input: DocumentInput): Promise<AcceptedDocument> {
    await this.#collection(tenantId, collectionId);
    if (input.bytes.byteLength > this.maxUploadBytes) throw this.tooLarge();
    const mediaType = detectMediaType({
      declared: input.declaredType,
      filename: input.filename,
      bytes: input.bytes,
    });
    if (mediaType === undefined) {
      throw new AppError(documentErrors.DOCUMENTS_MEDIA_TYPE_UNSUPPORTED, {
        detail: `${input.filename ?? 'The document'}${input.declaredType ? ` (${input.declaredType})` : ''} is not a PDF, DOCX, HTML, Markdown, plain text or JSON document.`,
        details: { supported: SUPPORTED_MEDIA_TYPES },
      });
    }
    const now = this.#clock.now();
    const sourceName = input.filename ? path.basename(input.filename) : null;
    const { document, created } = await this.#store.insertDocument(
      {
        id: newId('doc'),
        tenantId,
        collectionId,
        title: input.title ?? (sourceName ? sourceName.replace(/\.[^.]+$/, '') : 'Untitled'),
        titleGiven: input.title !== undefined,
        sourceName,
        mediaType,
        byteSize: input.bytes.byteLength,
        contentHash: createHash('sha256').update(input.bytes).digest('hex'),
        metadata: input.metadata ?? {},
        status: 'queued',
        stage: 'received',
        progress: null,
        error: null,
        chunkCount: 0,
        characterCount: 0,
        createdAt: now,
        updatedAt: now,
      },
      input.bytes,
    );
    if (created) {
      const { jobId } = await this.#scheduler.schedule(tenantId, document.id);
      return { document, duplicate: false, scheduled: true, jobId };
    }
    if (document.status === 'failed') {
      // The same bytes again after a failure: try again (the failure may have been the embedder's).
      const retried = await this.#store.updateDocument(tenantId, document.id, {
        status: 'queued',
        stage: 'received',
        error: null,
        progress: null,
        updatedAt: now,
      });
      const { jobId } = await this.#scheduler.schedule(tenantId, document.id);
      return { document: retried ?? document, duplicate: true, scheduled: true, jobId };
    }
    return { document, duplicate: true, scheduled: false, jobId: null };
  }

  async getDocument(
    tenantId: string,
    id: string,
    chunks: { readonly offset: number; readonly limit: number },
  ): Promise<{
    document: DocumentRecord;
    chunks: { items: StoredChunk[]; total: number; embedded: number };
  }> {
    const document = await this.#document(tenantId, id);
    return { document, chunks: await this.#index.listDocumentChunks(tenantId, id, chunks) };
  }

  /**
   * A ready document's normalised text, stitched back from its chunks (consecutive chunks overlap; each
   * adds only what lies past the previous one's end), with its title: what `summarize` reads for a
   * `document_id`. 409 DOCUMENTS_DOCUMENT_NOT_READY while it is being ingested or after it failed.
   */
  async documentText(tenantId: string, id: string): Promise<{ title: string; text: string }> {
    const document = await this.#document(tenantId, id);
    if (document.status !== 'ready') {
      throw new AppError(documentErrors.DOCUMENTS_DOCUMENT_NOT_READY, {
        detail: `Document ${id} is ${document.status}.`,
        details: { status: document.status },
      });
    }
    let text = '';
    let covered = 0;
    const pageSize = 500;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.#index.listDocumentChunks(tenantId, id, { offset, limit: pageSize });
      for (const chunk of page.items) {
        const { start, end } = chunk.position;
        if (end <= covered) continue;
        if (start >= covered) {
          // Chunks hold no leading or trailing whitespace: a gap between two is a space or a paragraph break.
          if (text !== '' && start > covered) text += start - covered > 1 ? '\n\n' : ' ';
          text += chunk.content;
        } else {
          text += chunk.content.slice(covered - start);
        }
        covered = end;
      }
      if (offset + pageSize >= page.total) break;
    }
    return { title: document.title, text };
  }

  async listDocuments(
    tenantId: string,
    collectionId: string,
    query: PageQuery & { readonly status?: DocumentStatus | undefined },
  ): Promise<Page<DocumentRecord>> {
    await this.#collection(tenantId, collectionId);
    return this.#store.listDocuments(tenantId, collectionId, query);
  }

  async deleteDocument(tenantId: string, id: string): Promise<void> {
    await this.#document(tenantId, id);
    await this.#scheduler.cancel(tenantId, id);
    await this.#index.deleteDocumentChunks(tenantId, id);
    await this.#store.deleteDocument(tenantId, id);
  }

  tooLarge(): AppError {
    return new AppError(documentErrors.DOCUMENTS_UPLOAD_TOO_LARGE, {
      detail: `Documents may be at most ${this.maxUploadBytes} bytes.`,
      details: { limit_bytes: this.maxUploadBytes },
    });
  }

  async #details(collection: CollectionRecord): Promise<CollectionDetails> {
    const [index, documents] = await Promise.all([
      this.#index.getCollections(collection.tenantId, [collection.id]).then((found) => found[0]),
      this.#store.countDocuments(collection.tenantId, collection.id),
    ]);
    return { collection, index, documents };
  }

  async #collection(tenantId: string, id: string): Promise<CollectionRecord> {
    const collection = await this.#store.getCollection(tenantId, id);
    if (!collection) {
      throw new AppError(documentErrors.DOCUMENTS_COLLECTION_NOT_FOUND, { detail: `No collection ${id}.` });
    }
    return collection;
  }

  async #document(tenantId: string, id: string): Promise<DocumentRecord> {
    const document = await this.#store.getDocument(tenantId, id);
    if (!document)
      throw new AppError(documentErrors.DOCUMENTS_DOCUMENT_NOT_FOUND, { detail: `No document ${id}.` });
    return document;
  }
}

/** `col_…`, `doc_…`: 20 random hex characters after a prefix that says what the id names. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
