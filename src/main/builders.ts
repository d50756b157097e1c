import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { generateText } from 'ai';
import type { KeelConfig } from '../config/index.ts';
import { createLocalEmbeddingModel, type LocalEngine } from '../local-engine/index.ts';
import {
  createAnalysisWorkflow,
  createAnswerCapability,
  DEFAULT_RELEVANCE,
} from '../modules/answers/index.ts';
import { ApiKeyService, SqlApiKeyStore } from '../modules/auth/index.ts';
import {
  type AnyCapability,
  type Clock,
  createChatCapability,
  createClassifyCapability,
  createExtractCapability,
  createRecommendCapability,
  createScoreCapability,
  createSummarizeCapability,
  generateCapability,
} from '../modules/capabilities/index.ts';
import { type ConversationStore, SqlConversationStore } from '../modules/conversations/index.ts';
import { JobIngestionScheduler, SqlDocumentStore } from '../modules/documents/index.ts';
import { Gateway, ModelCallWriter, RedisResponseCache, SqlModelCallStore } from '../modules/gateway/index.ts';
import { Guardrails } from '../modules/guardrails/index.ts';
import type { JobStore } from '../modules/jobs/index.ts';
import {
  createModelLimitsMiddleware,
  type LimitStore,
  MemoryLimitStore,
  RedisLimitStore,
} from '../modules/limits/index.ts';
import { McpToolSource } from '../modules/mcp/index.ts';
import {
  RequestLogWriter,
  SqlRequestLogStore,
  startRequestLogRetention,
} from '../modules/request-log/index.ts';
import type { ChunkIndex } from '../modules/retrieval/index.ts';
import { declarationsOf, SqlVariantStore } from '../modules/variants/index.ts';
import type { WorkerPool } from '../platform/compute/index.ts';
import type { Database } from '../platform/db/index.ts';
import { currentRequestContext, DEFAULT_TENANT_ID } from '../platform/http/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { ioredisDriver } from '../platform/redis/index.ts';
import { startRetentionSweep } from '../platform/retention/index.ts';
import {
  costFromPriceTable,
  createModelTelemetryMiddleware,
  createTelemetry,
  otlpExporter,
  type Telemetry,
} from '../platform/telemetry/index.ts';
import { limitsObserver } from './build-app.ts';
import {
  createComputePool,
  pooledDocumentProcessor,
  pooledEmbeddingBackend,
  pooledLocalEngine,
} from './compute.ts';
import { createDocumentsDependencies, type DocumentsDependencies } from './documents-dependencies.ts';
import type { VariantDependencies } from './job-wiring.ts';
import type { ResourceScope } from './resource-scope.ts';
import { KEEL_VERSION } from './version.ts';

// The small builders the composition roots (`api.ts`, `worker.ts`) share (the database's: database-builder.ts). Each chooses and
// constructs the adapters of one concern from the configuration and registers in the scope the close() of
// whatever it opened, so that a root reads as the list of what its process builds, top to bottom.

export const systemClock: Clock = { now: () => new Date() };

/** Traces and metrics; the last spans are exported on close. */
export function buildTelemetry(scope: ResourceScope, config: KeelConfig, logger: Logger): Promise<Telemetry> {
  return scope.open(
    'telemetry',
    async () =>
      createTelemetry({
        serviceName: config.telemetry.serviceName,
        version: KEEL_VERSION,
        ...(config.telemetry.otlp ? { batchExporter: await otlpExporter(config.telemetry.otlp) } : {}),
      }),
    (opened) =>
      opened
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'trace export on shutdown failed')),
  );
}

export interface Compute {
  readonly pool: WorkerPool;
  readonly tasks: { readonly taskTimeoutMs: number };
  /** The local engine with embeddings, on the pool. */
  readonly engine: LocalEngine;
}

/** CPU-bound work (local engine, parsing, embeddings) runs on worker threads; the event loop moves bytes. */
export async function buildCompute(
  scope: ResourceScope,
  config: KeelConfig,
  telemetry: Telemetry,
  logger: Logger,
): Promise<Compute> {
  const pool = await scope.open(
    'the compute pool',
    () => createComputePool(config.compute, { metrics: telemetry.metrics, logger }),
    (opened) => opened.close(),
  );
  const tasks = { taskTimeoutMs: config.compute.taskTimeoutMs };
  return { pool, tasks, engine: pooledLocalEngine(pool, { ...tasks, embeddings: true }) };
}

/** API keys: authentication of requests, key limits, and the webhook a key sets for its jobs. */
export function buildKeys(config: KeelConfig, database: Database, logger: Logger): ApiKeyService {
  return new ApiKeyService({
    store: new SqlApiKeyStore(database.db),
    clock: systemClock,
    adminKey: config.auth.adminKey,
    defaultTenantId: DEFAULT_TENANT_ID,
    defaultLimits: config.limits.defaults,
    onBackgroundError: (error, what) => logger.warn({ err: error }, `${what} failed`),
  });
}

/**
 * Guardrail policies (keel.config.ts `guardrails`, the built-ins), the policies each key adds, and every
 * decision counted in `keel_guardrail_decisions_total`. Classifier-backed policies use the pooled engine.
 */
export function buildGuardrails(
  config: KeelConfig,
  parts: {
    readonly compute: Compute;
    readonly keys: ApiKeyService;
    readonly telemetry: Telemetry;
    readonly gateway: Gateway;
  },
): Guardrails {
  const { metrics } = parts.telemetry;
  const judgeModel = config.guardrails.judgeModel ?? 'default';
  return new Guardrails({
    config: config.guardrails,
    engine: parts.compute.engine,
    // Model-judge policies: one short call through the gateway, accounted under the request it judges.
    judge: async (prompt, signal) => {
      const context = currentRequestContext();
      const model = parts.gateway.isConfigured(judgeModel)
        ? parts.gateway.languageModel(judgeModel, {
            requestId: context?.requestId ?? 'guardrail-judge',
            tenantId: context?.tenantId ?? DEFAULT_TENANT_ID,
            source: 'guardrail:judge',
          })
        : undefined;
      if (model === undefined) throw parts.gateway.missingModel(judgeModel);
      const result = await generateText({
        model,
        prompt,
        maxOutputTokens: 8,
        maxRetries: 0,
        ...(signal ? { abortSignal: signal } : {}),
      });
      return result.text;
    },
    keyPolicies: (keyId) => parts.keys.guardrailsFor(keyId),
    onDecision: (decision) =>
      metrics.guardrailDecisions.inc({
        policy: decision.policy,
        stage: decision.stage,
        action: decision.action,
      }),
  });
}

/** The limit counters: shared through Redis when configured (and reachable at start), else in this process. */
export function buildLimitStore(scope: ResourceScope, config: KeelConfig): Promise<LimitStore> {
  return scope.open(
    'the limit store',
    () => openLimitStore(config),
    (opened) => opened.close(),
  );
}

async function openLimitStore(config: KeelConfig): Promise<LimitStore> {
  if (!config.redisUrl) return new MemoryLimitStore();
  const redisLimits = new RedisLimitStore({ url: config.redisUrl, prefix: config.limits.redisPrefix });
  try {
    await redisLimits.connect();
  } catch (error) {
    await redisLimits.close();
    throw new Error(`REDIS_URL: cannot connect to Redis for shared limits (${String(error)})`, {
      cause: error,
    });
  }
  return redisLimits;
}

export interface GatewayParts {
  readonly models: Gateway;
  readonly modelCalls: { readonly store: SqlModelCallStore; readonly writer: ModelCallWriter };
  /** The local embedder (weights loaded on first use, in each compute thread): the `embed` alias's fallback. */
  readonly localEmbeddingModel: EmbeddingModelV4;
}

/**
 * The model gateway with the middlewares it applies outermost (limits, then telemetry), its model-call
 * accounting, and the response cache (shared through Redis when there is one, else in this process).
 */
export function buildGateway(
  scope: ResourceScope,
  parts: {
    readonly config: KeelConfig;
    readonly logger: Logger;
    readonly database: Database;
    readonly telemetry: Telemetry;
    readonly compute: Compute;
    readonly keys: ApiKeyService;
    readonly limitStore: LimitStore;
  },
): GatewayParts {
  const { config, logger, telemetry } = parts;
  const costOf = costFromPriceTable(config.models.gateway.prices);
  const modelCallStore = new SqlModelCallStore(parts.database.db);
  const modelMiddleware = [
    createModelLimitsMiddleware({
      store: parts.limitStore,
      observer: limitsObserver(telemetry.metrics),
      limitsFor: (subject) => parts.keys.limitsFor(subject),
      costOf,
      // In-process counters start each budget period from the model calls on record (not the request log,
      // whose rows a poisoned batch could once take with it), so a restart resets nothing (decision 0127).
      seedSpend: (subject, since) => modelCallStore.spendSince(subject, since),
    }),
    createModelTelemetryMiddleware({ tracer: telemetry.tracing.tracer, metrics: telemetry.metrics, costOf }),
  ];

  const modelCallWriter = new ModelCallWriter(modelCallStore, {
    onError: (error, records, dropped) =>
      logger.error(
        { err: error, records, dropped },
        dropped ? 'model-call batch dropped' : 'model-call write failed; will retry',
      ),
    onQuarantine: (error, record, salvaged) =>
      logger.error(
        {
          err: error,
          modelCallId: record.id,
          requestId: record.requestId,
          tenantId: record.tenantId,
          salvaged,
        },
        'model-call record refused by the store: quarantined, the rest of its batch stored',
      ),
  });
  scope.own('the model-call writer', () => modelCallWriter.close());
  const cacheRedis =
    config.models.gateway.cache.enabled && config.redisUrl
      ? new (ioredisDriver().Redis)(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
      : undefined;
  cacheRedis?.on('error', (error) => logger.debug({ err: error }, 'model response cache: redis error'));
  if (cacheRedis)
    scope.own('the response cache connection', () => cacheRedis.quit().catch(() => cacheRedis.disconnect()));
  const localEmbeddingModel = createLocalEmbeddingModel({
    embedder: pooledEmbeddingBackend(parts.compute.pool, parts.compute.tasks),
  });
  const models = new Gateway({
    settings: config.models.gateway,
    embeddingModels: [localEmbeddingModel],
    ...(cacheRedis
      ? {
          cacheStore: new RedisResponseCache(cacheRedis, {
            onError: (error) =>
              logger.warn({ err: error }, 'model response cache unavailable; answering without it'),
          }),
        }
      : {}),
    observers: [modelCallWriter.write],
    modelMiddleware,
    onCircuitChange: (deployment, state) => {
      telemetry.metrics.setCircuitState(deployment, state);
      logger.warn({ deployment, state }, `model deployment circuit ${state}`);
    },
  });
  for (const warning of models.warnings) logger.warn({ warning }, 'model configuration cannot be served');
  if (!models.describe().configured) {
    logger.warn(
      'no generative model configured: generate and chat answer 503 MODEL_NOT_CONFIGURED until OPENAI_API_KEY, OPENAI_BASE_URL + KEEL_MODEL or ANTHROPIC_API_KEY is set',
    );
  }
  return { models, modelCalls: { store: modelCallStore, writer: modelCallWriter }, localEmbeddingModel };
}

export interface RequestLogParts {
  readonly store: SqlRequestLogStore;
  readonly writer: RequestLogWriter;
  readonly bodies: boolean;
}

/** The request log: its batched writer (flushed on close) and the retention sweep of old records. */
export function buildRequestLog(
  scope: ResourceScope,
  config: KeelConfig,
  database: Database,
  telemetry: Telemetry,
  logger: Logger,
): RequestLogParts {
  const store = new SqlRequestLogStore(database.db);
  const writer = new RequestLogWriter(store, {
    onError: (error, records, dropped) => {
      if (dropped) telemetry.metrics.requestLogDropped.inc(records);
      logger.error(
        { err: error, records, dropped },
        dropped ? 'request log batch dropped' : 'request log write failed; will retry',
      );
    },
    onQuarantine: (error, record, salvaged) => {
      // Salvaged: stored without its input and output. Either way its bodies are gone, so it counts as dropped.
      telemetry.metrics.requestLogDropped.inc(1);
      logger.error(
        { err: error, requestId: record.id, tenantId: record.tenantId, salvaged },
        'request log record refused by the store: quarantined, the rest of its batch stored',
      );
    },
  });
  scope.own('the request log writer', () => writer.close());
  const retention = startRequestLogRetention({
    store,
    retentionDays: config.requestLog.retentionDays,
    onSwept: (deleted, cutoff) => {
      if (deleted > 0) logger.info({ deleted, cutoff }, 'request log retention: old records deleted');
    },
    onError: (error) => logger.warn({ err: error }, 'request log retention sweep failed'),
  });
  scope.own('the request log retention sweep', () => retention.stop());
  return { store, writer, bodies: config.requestLog.bodies };
}

/**
 * Documents and retrieval: BM25 + pgvector in the same database; lexical only where pgvector is missing.
 * Accepted documents become `document-ingest` jobs: any process running job workers ingests them.
 */
export function buildDocuments(
  scope: ResourceScope,
  parts: {
    readonly config: KeelConfig;
    readonly logger: Logger;
    readonly database: Database;
    readonly index: ChunkIndex;
    readonly jobs: JobStore;
    readonly compute: Compute;
    readonly localEmbeddingModel: EmbeddingModelV4;
  },
): DocumentsDependencies {
  const { config, logger } = parts;
  const documents = createDocumentsDependencies({
    scheduler: new JobIngestionScheduler({ jobs: parts.jobs, clock: systemClock }),
    store: new SqlDocumentStore(parts.database.db),
    index: parts.index,
    embeddingModel: config.documents.embeddings === 'local' ? parts.localEmbeddingModel : null,
    logger,
    clock: systemClock,
    maxUploadBytes: config.documents.maxUploadBytes,
    processor: pooledDocumentProcessor(parts.compute.pool, parts.compute.tasks),
    parseLimits: config.documents.parseLimits,
  });
  scope.own('the ingestion runner', () => documents.runner.close());
  if (!parts.database.vector) {
    logger.warn(
      'pgvector is not available in this PostgreSQL: document search runs lexically (BM25) only; install pgvector and restart for hybrid search',
    );
  }
  return documents;
}

/** Conversations of `chat`, in the same database, and the sweep of inactive ones. */
export function buildConversations(
  scope: ResourceScope,
  config: KeelConfig,
  database: Database,
  logger: Logger,
): ConversationStore {
  const conversations = new SqlConversationStore(database.db);
  const retention = startRetentionSweep({
    retentionDays: config.chat.retentionDays,
    deleteOlderThan: (cutoff) => conversations.deleteInactiveSince(cutoff),
    onSwept: (deleted, cutoff) => {
      if (deleted > 0) logger.info({ deleted, cutoff }, 'chat retention: inactive conversations deleted');
    },
    onError: (error) => logger.warn({ err: error }, 'chat retention sweep failed'),
  });
  scope.own('the chat retention sweep', () => retention.stop());
  return conversations;
}

/**
 * Keel's capabilities, then the team's (`config.capabilities`), then the grounded ones over the knowledge
 * base; relevance is lexical only when embeddings are off.
 */
export function buildCapabilities(parts: {
  readonly config: KeelConfig;
  readonly compute: Compute;
  readonly documents: DocumentsDependencies;
  readonly conversations: ConversationStore;
}): AnyCapability[] {
  const { config, compute, documents } = parts;
  const { engine } = compute;
  const capabilities: AnyCapability[] = [
    generateCapability,
    // `summarize` can read a stored document (`document_id`) as well as `text`.
    createSummarizeCapability({ documents: documents.service, engine }),
    createClassifyCapability({ engine }),
    createExtractCapability({ engine }),
    createScoreCapability({ engine }),
    createRecommendCapability({ engine }),
    createChatCapability({
      conversations: parts.conversations,
      clock: systemClock,
      window: config.chat.window,
    }),
    ...config.capabilities,
  ];
  const relevance = {
    ...DEFAULT_RELEVANCE,
    engine:
      config.documents.embeddings === 'local'
        ? engine
        : pooledLocalEngine(compute.pool, { ...compute.tasks, embeddings: false }),
  };
  capabilities.push(
    createAnswerCapability({ knowledge: documents.knowledge, relevance }),
    createAnalysisWorkflow({ knowledge: documents.knowledge, relevance }),
  );
  return capabilities;
}

/** MCP servers' tools for agents: each client connects (and starts a stdio server) on first use only. */
export function buildMcpSources(scope: ResourceScope, config: KeelConfig): McpToolSource[] {
  const sources = config.mcp.servers.map((server) => new McpToolSource(server, KEEL_VERSION));
  scope.own('the MCP clients', () => Promise.all(sources.map((source) => source.close())));
  return sources;
}

/**
 * Variants on the database: the SQL store (its observations swept like the request log), the webhook
 * promotions and rollbacks go to, and (for `keel serve`, the one writer of declarations) what
 * keel.config.ts declares.
 */
export function variantDependencies(
  scope: ResourceScope,
  config: KeelConfig,
  database: Database,
  role: 'api' | 'worker',
  logger: Logger,
): VariantDependencies {
  const { webhook } = config.variants;
  const store = new SqlVariantStore(database.db);
  // Observations are request-level data: they are kept as long as the request log.
  const retention = startRetentionSweep({
    retentionDays: config.requestLog.retentionDays,
    deleteOlderThan: (cutoff) => store.deleteObservationsOlderThan(cutoff),
    onSwept: (deleted, cutoff) => {
      if (deleted > 0) logger.info({ deleted, cutoff }, 'variants retention: observations deleted');
    },
    onError: (error) => logger.warn({ err: error }, 'variants retention sweep failed'),
  });
  scope.own('the variants retention sweep', () => retention.stop());
  return {
    store,
    ...(webhook
      ? { webhook: { ...webhook, attempts: 4, timeoutMs: 10_000, allowedTargets: config.outbound.allow } }
      : {}),
    ...(role === 'api' ? { declared: declarationsOf(config.variants.declared) } : {}),
  };
}
