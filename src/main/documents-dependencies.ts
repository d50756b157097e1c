import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import type { KnowledgeBase } from '../modules/answers/index.ts';
import type { AnyCapability } from '../modules/capabilities/index.ts';
import {
  createDocumentIngestWorkflow,
  type DocumentProcessor,
  type DocumentStore,
  DocumentsService,
  IngestionPipeline,
  type IngestionScheduler,
  InProcessIngestionRunner,
  type ParseLimits,
} from '../modules/documents/index.ts';
import type { ReadinessCheck } from '../modules/health/index.ts';
import {
  type ChunkIndex,
  createTextEmbedder,
  SearchService,
  type TextEmbedder,
} from '../modules/retrieval/index.ts';
import type { Logger } from '../platform/logging/index.ts';

export interface DocumentsWiring {
  readonly store: DocumentStore;
  readonly index: ChunkIndex;
  /** Null: retrieval is lexical only. */
  readonly embeddingModel: EmbeddingModelV4 | null;
  readonly logger: Logger;
  readonly clock: { now(): Date };
  readonly maxUploadBytes: number;
  /** Parse and chunk: the compute pool in Keel's processes; inline when omitted (tests). */
  readonly processor?: DocumentProcessor;
  readonly parseLimits?: ParseLimits;
  /**
   * Where accepted documents go. Keel's processes pass the durable job queue (`JobIngestionScheduler`), so
   * any process running job workers ingests them; unset, the in-process runner below does (tests).
   */
  readonly scheduler?: IngestionScheduler;
}

export interface DocumentsDependencies {
  readonly service: DocumentsService;
  readonly search: SearchService;
  /** The in-process runner; it ingests only when no `scheduler` was wired (then it is the scheduler). */
  readonly runner: InProcessIngestionRunner;
  readonly scheduler: IngestionScheduler;
  /** `document-ingest`, the job-only workflow the job workers run for `JobIngestionScheduler`. */
  readonly ingestCapability: AnyCapability;
  readonly pipeline: IngestionPipeline;
  readonly embedder: TextEmbedder | undefined;
  /** What `answer` and `analysis` read: search over the tenant's collections. */
  readonly knowledge: KnowledgeBase;
  /** `/readyz`: which search modes this deployment serves, and why not hybrid when it cannot. */
  readonly readiness: ReadinessCheck;
}

/**
 * Documents and retrieval wired together. Ingestion goes through the `IngestionScheduler` port: the durable
 * job queue in Keel's processes (`document-ingest` jobs), or this process's runner when none is given.
 */
export function createDocumentsDependencies(wiring: DocumentsWiring): DocumentsDependencies {
  const embedder = wiring.embeddingModel ? createTextEmbedder(wiring.embeddingModel) : undefined;
  const pipeline = new IngestionPipeline({
    store: wiring.store,
    index: wiring.index,
    embedder,
    clock: wiring.clock,
    logger: wiring.logger,
    ...(wiring.processor === undefined ? {} : { processor: wiring.processor }),
    ...(wiring.parseLimits === undefined ? {} : { parseLimits: wiring.parseLimits }),
  });
  const runner = new InProcessIngestionRunner({
    pipeline,
    store: wiring.store,
    logger: wiring.logger,
    onProgress: (tenantId, documentId, progress) =>
      wiring.logger.debug({ tenantId, documentId, progress }, 'document ingestion progress'),
  });
  const scheduler = wiring.scheduler ?? runner;
  const ingestCapability = createDocumentIngestWorkflow({
    pipeline,
    store: wiring.store,
    clock: wiring.clock,
  });
  const service = new DocumentsService({
    store: wiring.store,
    index: wiring.index,
    scheduler,
    clock: wiring.clock,
    embeddingModel: pipeline.embeddingModel,
    maxUploadBytes: wiring.maxUploadBytes,
  });
  const search = new SearchService({
    index: wiring.index,
    embedder: wiring.index.vectorSupported ? embedder : undefined,
  });
  const readiness: ReadinessCheck = {
    name: 'retrieval',
    critical: false,
    check: async () => ({
      lexical: true,
      vector: wiring.index.vectorSupported && embedder !== undefined,
      default_mode: wiring.index.vectorSupported && embedder !== undefined ? 'hybrid' : 'lexical',
      embedding_model: embedder?.modelId ?? null,
      ...(wiring.index.vectorSupported
        ? embedder
          ? {}
          : { reason: 'no embedding model (KEEL_EMBEDDINGS=off)' }
        : { reason: 'the database has no pgvector extension' }),
    }),
  };
  return {
    service,
    search,
    runner,
    scheduler,
    ingestCapability,
    pipeline,
    embedder,
    knowledge: knowledgeBaseOf({ service, search }),
    readiness,
  };
}

/** The knowledge base `answer` and `analysis` read: search over a tenant's collections. */
export function knowledgeBaseOf(documents: {
  readonly service: DocumentsService;
  readonly search: SearchService;
}): KnowledgeBase {
  return {
    search: (request) => documents.search.search(request),
    collectionIds: async (tenantId, limit) =>
      (await documents.service.listCollections(tenantId, { limit })).items.map(
        (details) => details.collection.id,
      ),
  };
}
