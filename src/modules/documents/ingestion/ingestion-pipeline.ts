import { createHash } from 'node:crypto';
import { withComputePriority } from '../../../platform/compute/index.ts';
import { AppError, isAppError } from '../../../platform/errors/index.ts';
import type { Logger } from '../../../platform/logging/index.ts';
import {
  type ChunkIndex,
  type ChunkInput,
  retrievalErrors,
  type TextEmbedder,
} from '../../retrieval/index.ts';
import type { TokenCounter } from '../chunking/chunker.ts';
import type {
  DocumentProblem,
  DocumentProgress,
  DocumentRecord,
  DocumentStore,
} from '../document-store.port.ts';
import { documentErrors } from '../documents.errors.ts';
import type { SupportedMediaType } from '../parsing/media-type.ts';
import { DocumentParseError, DocumentParseLimitError } from '../parsing/parse-error.ts';
import type { ParseLimits } from '../parsing/parse-limits.ts';
import { type DocumentProcessor, inlineDocumentProcessor } from './document-processor.ts';

export interface IngestionClock {
  now(): Date;
}

export interface IngestionPipelineOptions {
  readonly store: DocumentStore;
  readonly index: ChunkIndex;
  readonly embedder?: TextEmbedder | undefined;
  readonly clock: IngestionClock;
  readonly logger: Logger;
  /** Parse, normalise and chunk: on the compute pool in Keel's processes; inline by default. */
  readonly processor?: DocumentProcessor;
  /** The inline processor's token counter (tests); ignored when a processor is given. */
  readonly countTokens?: TokenCounter;
  /** Bounds on parsing (decompression, nesting, pages, characters); default `DEFAULT_PARSE_LIMITS`. */
  readonly parseLimits?: ParseLimits;
}

export interface IngestionRun {
  readonly signal?: AbortSignal | undefined;
  /** Called after each step and each embedded batch; the job layer turns these into progress events. */
  readonly onProgress?: ((progress: DocumentProgress) => void) | undefined;
}

export type IngestionOutcome =
  | { readonly status: 'ready'; readonly chunks: number; readonly embedded: number }
  | { readonly status: 'failed'; readonly error: DocumentProblem }
  | { readonly status: 'gone' };

/**
 * Ingests one document: parse -> normalise -> chunk -> index (one transaction) -> embed in batches. Each
 * step is idempotent and recorded on the document (`stage`), so a run interrupted anywhere (a crash, a
 * shutdown, a job retry) resumes where it stopped: chunks are replaced as a whole, and embedding only
 * covers chunks without a vector. A document that cannot be ingested fails alone, with a problem saying
 * why, and leaves nothing in the index.
 */
export class IngestionPipeline {
  readonly #store: DocumentStore;
  readonly #index: ChunkIndex;
  readonly #embedder: TextEmbedder | undefined;
  readonly #clock: IngestionClock;
  readonly #logger: Logger;
  readonly #processor: DocumentProcessor;
  readonly #parseLimits: ParseLimits | undefined;

  constructor(options: IngestionPipelineOptions) {
    this.#store = options.store;
    this.#index = options.index;
    this.#embedder = options.embedder;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#processor = options.processor ?? inlineDocumentProcessor(options.countTokens);
    this.#parseLimits = options.parseLimits;
  }

  /** The embedding model new collections record, or null when vectors cannot be made or stored. */
  get embeddingModel(): string | null {
    return this.#embedder && this.#index.vectorSupported ? this.#embedder.modelId : null;
  }

  /** Ingestion is background work: on the compute pool it yields to interactive calls. */
  run(tenantId: string, documentId: string, run: IngestionRun = {}): Promise<IngestionOutcome> {
    return withComputePriority('background', () => this.#run(tenantId, documentId, run));
  }

  async #run(tenantId: string, documentId: string, run: IngestionRun): Promise<IngestionOutcome> {
    let document = await this.#store.getDocument(tenantId, documentId);
    if (!document) return { status: 'gone' };
    if (document.status === 'ready') {
      return { status: 'ready', chunks: document.chunkCount, embedded: document.chunkCount };
    }
    try {
      document = await this.#update(document, { status: 'processing', error: null });
      const embed = await this.#embeddingPlan(document);
      if (document.stage === 'received') document = await this.#chunk(document, run);
      run.signal?.throwIfAborted();
      let embedded = 0;
      if (document.stage === 'chunked') {
        if (embed) embedded = await this.#embed(document, run);
        document = await this.#update(document, { stage: 'embedded' });
      }
      run.signal?.throwIfAborted();
      const progress: DocumentProgress = { step: 'index', completed: 1, total: 1 };
      run.onProgress?.(progress);
      document = await this.#update(document, { status: 'ready', progress });
      return { status: 'ready', chunks: document.chunkCount, embedded };
    } catch (error) {
      return this.#fail(document, error, run.signal);
    }
  }

  async #embeddingPlan(document: DocumentRecord): Promise<boolean> {
    const model = this.embeddingModel;
    const collection = await this.#index.ensureCollection(document.tenantId, document.collectionId, model);
    if (model === null) return false;
    if (collection.embeddingModel === model) return true;
    if (collection.embeddingModel === null) {
      // A collection indexed without vectors gets them only by a re-index, so its documents stay alike.
      const others = collection.chunkCount - (document.stage === 'received' ? 0 : document.chunkCount);
      if (others > 0) return false;
      await this.#index.resetEmbeddings(document.tenantId, document.collectionId, model);
      return true;
    }
    throw new AppError(retrievalErrors.RETRIEVAL_EMBEDDING_MISMATCH, {
      detail: `Collection ${document.collectionId} holds vectors of ${collection.embeddingModel}, but Keel now embeds with ${model}. Re-index the collection (POST /v1/collections/${document.collectionId}/reindex) to ingest into it.`,
      details: {
        collection_id: document.collectionId,
        collection_model: collection.embeddingModel,
        configured_model: model,
      },
    });
  }

  async #chunk(document: DocumentRecord, run: IngestionRun): Promise<DocumentRecord> {
    const source = await this.#store.readSource(document.tenantId, document.id);
    if (!source) throw new Error(`document ${document.id} has no stored source`);
    const collection = await this.#store.getCollection(document.tenantId, document.collectionId);
    if (!collection) throw new Error(`collection ${document.collectionId} is gone`);
    const processed = await this.#processor.process(
      {
        bytes: source,
        mediaType: document.mediaType as SupportedMediaType,
        chunking: collection.chunking,
        ...(this.#parseLimits === undefined ? {} : { limits: this.#parseLimits }),
      },
      run.signal,
    );
    run.signal?.throwIfAborted();
    if (processed.characterCount === 0) {
      throw new AppError(documentErrors.DOCUMENTS_NO_TEXT, {
        detail:
          document.mediaType === 'application/pdf'
            ? 'The PDF has no text layer (a scanned document?); Keel does not run OCR.'
            : 'The document contains no text.',
      });
    }
    run.onProgress?.({ step: 'parse', completed: 1, total: 1 });
    const title = document.titleGiven ? document.title : (processed.title ?? document.title);
    const inputs: ChunkInput[] = processed.chunks.map((chunk) => ({
      id: chunkId(document.id, chunk.ordinal, chunk.text),
      content: chunk.text,
      tokenCount: chunk.tokenCount,
      position: {
        ordinal: chunk.ordinal,
        start: chunk.start,
        end: chunk.end,
        pageStart: chunk.pageStart,
        pageEnd: chunk.pageEnd,
        headingPath: chunk.headingPath,
      },
    }));
    run.signal?.throwIfAborted();
    await this.#index.replaceDocumentChunks(
      {
        tenantId: document.tenantId,
        collectionId: document.collectionId,
        documentId: document.id,
        title,
        metadata: document.metadata,
      },
      inputs,
    );
    const progress: DocumentProgress = { step: 'chunk', completed: inputs.length, total: inputs.length };
    run.onProgress?.(progress);
    return this.#update(document, {
      stage: 'chunked',
      title,
      chunkCount: inputs.length,
      characterCount: processed.characterCount,
      progress,
    });
  }

  async #embed(document: DocumentRecord, run: IngestionRun): Promise<number> {
    const embedder = this.#embedder;
    if (!embedder) return 0;
    const total = document.chunkCount;
    let completed = (
      await this.#index.listDocumentChunks(document.tenantId, document.id, { offset: 0, limit: 0 })
    ).embedded;
    let embedded = 0;
    for (;;) {
      run.signal?.throwIfAborted();
      const batch = await this.#index.chunksToEmbed(document.tenantId, document.id, embedder.batchSize);
      if (batch.length === 0) break;
      const vectors = await embedder.embed(
        batch.map((item) => item.text),
        run.signal,
      );
      await this.#index.storeEmbeddings(
        document.tenantId,
        document.collectionId,
        embedder.modelId,
        batch.map((item, index) => ({ chunkId: item.chunkId, embedding: vectors[index] ?? [] })),
      );
      embedded += batch.length;
      completed += batch.length;
      const progress: DocumentProgress = { step: 'embed', completed: Math.min(completed, total), total };
      run.onProgress?.(progress);
      const current = await this.#store.updateDocument(document.tenantId, document.id, {
        progress,
        updatedAt: this.#clock.now(),
      });
      // Deleted while embedding: its chunks went with it; stop.
      if (!current) break;
    }
    return embedded;
  }

  async #fail(
    document: DocumentRecord,
    error: unknown,
    signal: AbortSignal | undefined,
  ): Promise<IngestionOutcome> {
    if (error instanceof DocumentGone) {
      // Deleted mid-run: whatever this run indexed after the deletion goes too.
      await this.#index.deleteDocumentChunks(document.tenantId, document.id);
      return { status: 'gone' };
    }
    if (signal?.aborted) {
      // Shutdown or cancellation, not a fault of the document: it is resumed later, or it is gone.
      await this.#store
        .updateDocument(document.tenantId, document.id, { status: 'queued', updatedAt: this.#clock.now() })
        .catch(() => undefined);
      throw error;
    }
    const problem = toProblem(error);
    if (problem.code === documentErrors.DOCUMENTS_INGESTION_FAILED.code && !isAppError(error)) {
      this.#logger.error(
        { err: error, documentId: document.id, tenantId: document.tenantId },
        'document ingestion failed',
      );
    } else {
      this.#logger.info(
        { documentId: document.id, code: problem.code, detail: problem.detail },
        'document rejected',
      );
    }
    await this.#index.deleteDocumentChunks(document.tenantId, document.id);
    const updated = await this.#store.updateDocument(document.tenantId, document.id, {
      status: 'failed',
      stage: 'received',
      error: problem,
      progress: null,
      chunkCount: 0,
      updatedAt: this.#clock.now(),
    });
    return updated ? { status: 'failed', error: problem } : { status: 'gone' };
  }

  async #update(
    document: DocumentRecord,
    patch: Omit<Parameters<DocumentStore['updateDocument']>[2], 'updatedAt'>,
  ) {
    const updated = await this.#store.updateDocument(document.tenantId, document.id, {
      ...patch,
      updatedAt: this.#clock.now(),
    });
    if (!updated) throw new DocumentGone();
    return updated;
  }
}

/** The document was deleted while it was being ingested. */
class DocumentGone extends Error {
  override name = 'DocumentGone';
}

/** Deterministic: the same document text gives the same ids, so a re-run rewrites rather than duplicates. */
function chunkId(documentId: string, ordinal: number, text: string): string {
  return `chk_${createHash('sha256').update(`${documentId}\u0000${ordinal}\u0000${text}`).digest('hex').slice(0, 24)}`;
}

function toProblem(error: unknown): DocumentProblem {
  if (error instanceof DocumentParseError) {
    const definition =
      error instanceof DocumentParseLimitError
        ? documentErrors.DOCUMENTS_PARSE_LIMIT_EXCEEDED
        : documentErrors.DOCUMENTS_PARSE_FAILED;
    return {
      code: definition.code,
      title: definition.title,
      detail: error.message,
      retryable: definition.retryable,
    };
  }
  if (isAppError(error)) {
    return {
      code: error.code,
      title: error.definition.title,
      detail: error.detail ?? error.definition.title,
      retryable: error.retryable,
    };
  }
  const definition = documentErrors.DOCUMENTS_INGESTION_FAILED;
  return {
    code: definition.code,
    title: definition.title,
    detail: 'An unexpected failure while ingesting the document; the log has the cause.',
    retryable: definition.retryable,
  };
}
