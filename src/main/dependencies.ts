import { Redis } from 'ioredis';
import type { KeelConfig } from '../config/index.ts';
import { createLocalEmbeddingModel } from '../local-engine/index.ts';
import { SqlAgentStore } from '../modules/agents/index.ts';
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
import { SqlConversationStore } from '../modules/conversations/index.ts';
import { JobIngestionScheduler, SqlDocumentStore } from '../modules/documents/index.ts';
import { SqlEvalStore } from '../modules/evals/index.ts';
import { SqlFeedbackStore } from '../modules/feedback/index.ts';
import { Gateway, ModelCallWriter, RedisResponseCache, SqlModelCallStore } from '../modules/gateway/index.ts';
import type { ReadinessCheck } from '../modules/health/index.ts';
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
import { SqlChunkIndex } from '../modules/retrieval/index.ts';
import { type Database, migrateToLatest, openDatabase } from '../platform/db/index.ts';
import { DEFAULT_TENANT_ID } from '../platform/http/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { startRetentionSweep } from '../platform/retention/index.ts';
import {
  costFromPriceTable,
  createModelTelemetryMiddleware,
  createTelemetry,
} from '../platform/telemetry/index.ts';
import { type AppDependencies, limitsObserver } from './build-app.ts';
import {
  createComputePool,
  pooledDocumentProcessor,
  pooledEmbeddingBackend,
  pooledLocalEngine,
} from './compute.ts';
import { createDocumentsDependencies } from './documents-dependencies.ts';
import { createJobDependencies } from './job-dependencies.ts';
import { buildInScope, type ResourceScope } from './resource-scope.ts';
import { KEEL_VERSION } from './version.ts';

export interface Dependencies extends AppDependencies {
  readonly database: Database;
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/** Opens the database for a configuration, logging the slow first initialisation of the embedded one. */
export async function openConfiguredDatabase(config: KeelConfig, logger: Logger): Promise<Database> {
  const database = await openDatabase(config.storage, {
    initialising: (dataDir) =>
      logger.info({ dataDir }, 'initialising the embedded database (first start only, takes a few seconds)'),
    connectionLost: (error) =>
      logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
  });
  logger.info({ engine: database.engine, vector: database.vector }, 'database open');
  return database;
}

/**
 * The one place concrete adapters are chosen and wired, by hand, from the configuration, top to bottom.
 * Each resource is owned by the scope as it is opened: `close()` closes them in reverse, and a step that
 * throws (an outage the caller waits out, a bad setting) first closes everything opened before it.
 */
export async function createDependencies(
  config: KeelConfig,
  logger: Logger,
  options: { readonly role?: 'api' | 'worker' } = {},
): Promise<Dependencies> {
  return buildInScope((scope) => wireDependencies(scope, config, logger, options.role ?? 'api'));
}

async function wireDependencies(
  scope: ResourceScope,
  config: KeelConfig,
  logger: Logger,
  role: 'api' | 'worker',
): Promise<Dependencies> {
  const database = await scope.open(
    'the database',
    () => openConfiguredDatabase(config, logger),
    (opened) => opened.close(),
  );
  const report = await migrateToLatest(database.db);
  if (report.applied.length > 0) logger.info({ migrations: report.applied }, 'migrations applied');

  // What else needs the database at start, opened first so that a failure (an outage: the caller waits and
  // retries) comes before threads and connections are opened. Durable jobs: pg-boss on this database;
  // workers here when embedded or in `keel worker`.
  const jobs = await createJobDependencies(scope, config, database, logger, role);
  const chunkIndex = await SqlChunkIndex.open(database);

  // Security, limits and observability: keys, the limit counters (shared through Redis when configured),
  // traces and metrics, and the model-call middlewares the gateway applies outermost.
  const telemetry = await scope.open(
    'telemetry',
    () =>
      createTelemetry({
        serviceName: config.telemetry.serviceName,
        version: KEEL_VERSION,
        otlp: config.telemetry.otlp,
      }),
    (opened) =>
      opened
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'trace export on shutdown failed')),
  );
  // CPU-bound work (local engine, parsing, embeddings) runs on worker threads; the event loop moves bytes.
  const compute = await scope.open(
    'the compute pool',
    () => createComputePool(config.compute, { metrics: telemetry.metrics, logger }),
    (opened) => opened.close(),
  );
  const tasks = { taskTimeoutMs: config.compute.taskTimeoutMs };
  const engine = pooledLocalEngine(compute, { ...tasks, embeddings: true });
  const keys = new ApiKeyService({
    store: new SqlApiKeyStore(database.db),
    clock: systemClock,
    adminKey: config.auth.adminKey,
    defaultTenantId: DEFAULT_TENANT_ID,
    defaultLimits: config.limits.defaults,
    onBackgroundError: (error, what) => logger.warn({ err: error }, `${what} failed`),
  });
  const limitStore = await scope.open(
    'the limit store',
    () => openLimitStore(config),
    (opened) => opened.close(),
  );
  const costOf = costFromPriceTable(config.models.gateway.prices);
  const modelCallStore = new SqlModelCallStore(database.db);
  const modelMiddleware = [
    createModelLimitsMiddleware({
      store: limitStore,
      observer: limitsObserver(telemetry.metrics),
      limitsFor: (subject) => keys.limitsFor(subject),
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
  // The response cache is shared through Redis when there is one; otherwise it lives in this process.
  const cacheRedis =
    config.models.gateway.cache.enabled && config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
      : undefined;
  cacheRedis?.on('error', (error) => logger.debug({ err: error }, 'model response cache: redis error'));
  if (cacheRedis)
    scope.own('the response cache connection', () => cacheRedis.quit().catch(() => cacheRedis.disconnect()));
  // The local embedder loads its weights on first use only (in each compute thread); it serves the `embed`
  // alias when no provider does.
  const localEmbeddingModel = createLocalEmbeddingModel({ embedder: pooledEmbeddingBackend(compute, tasks) });
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
  const model = models.describe();
  if (!model.configured) {
    logger.warn(
      'no generative model configured: generate and chat answer 503 MODEL_NOT_CONFIGURED until OPENAI_API_KEY, OPENAI_BASE_URL + KEEL_MODEL or ANTHROPIC_API_KEY is set',
    );
  }

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

  // Documents and retrieval: BM25 + pgvector in the same database; lexical only where pgvector is missing.
  // Accepted documents become `document-ingest` jobs: any process running job workers ingests them.
  const documents = createDocumentsDependencies({
    scheduler: new JobIngestionScheduler({ jobs: jobs.store, clock: systemClock }),
    store: new SqlDocumentStore(database.db),
    index: chunkIndex,
    embeddingModel: config.documents.embeddings === 'local' ? localEmbeddingModel : null,
    logger,
    clock: systemClock,
    maxUploadBytes: config.documents.maxUploadBytes,
    processor: pooledDocumentProcessor(compute, tasks),
    parseLimits: config.documents.parseLimits,
  });
  scope.own('the ingestion runner', () => documents.runner.close());
  if (!database.vector) {
    logger.warn(
      'pgvector is not available in this PostgreSQL: document search runs lexically (BM25) only; install pgvector and restart for hybrid search',
    );
  }

  // Conversations of `chat`, in the same database; the capability and /v1/conversations share the store.
  const conversations = new SqlConversationStore(database.db);
  const conversationRetention = startRetentionSweep({
    retentionDays: config.chat.retentionDays,
    deleteOlderThan: (cutoff) => conversations.deleteInactiveSince(cutoff),
    onSwept: (deleted, cutoff) => {
      if (deleted > 0) logger.info({ deleted, cutoff }, 'chat retention: inactive conversations deleted');
    },
    onError: (error) => logger.warn({ err: error }, 'chat retention sweep failed'),
  });
  scope.own('the chat retention sweep', () => conversationRetention.stop());
  const capabilities: AnyCapability[] = [
    generateCapability,
    // `summarize` can read a stored document (`document_id`) as well as `text`.
    createSummarizeCapability({ documents: documents.service, engine }),
    createClassifyCapability({ engine }),
    createExtractCapability({ engine }),
    createScoreCapability({ engine }),
    createRecommendCapability({ engine }),
    createChatCapability({ conversations, clock: systemClock, window: config.chat.window }),
    ...config.capabilities,
  ];
  // Grounded capabilities over the knowledge base; relevance is lexical only when embeddings are off.
  const relevance = {
    ...DEFAULT_RELEVANCE,
    engine:
      config.documents.embeddings === 'local'
        ? engine
        : pooledLocalEngine(compute, { ...tasks, embeddings: false }),
  };
  capabilities.push(
    createAnswerCapability({ knowledge: documents.knowledge, relevance }),
    createAnalysisWorkflow({ knowledge: documents.knowledge, relevance }),
  );
  const readinessChecks: ReadinessCheck[] = [
    {
      name: 'database',
      critical: true,
      check: async () => {
        await database.ping();
        return { engine: database.engine, vector: database.vector };
      },
    },
    models.readinessCheck(),
    documents.readiness,
  ];
  if (limitStore instanceof RedisLimitStore) {
    const redis = limitStore;
    readinessChecks.push({
      name: 'redis',
      critical: true,
      check: async () => {
        await redis.ping();
        return { purpose: 'limits' };
      },
    });
  }

  // MCP servers' tools for agents: each client connects (and starts a stdio server) on first use only.
  const mcpSources = config.mcp.servers.map((server) => new McpToolSource(server, KEEL_VERSION));
  scope.own('the MCP clients', () => Promise.all(mcpSources.map((source) => source.close())));

  return {
    logger,
    http: { bodyLimitBytes: config.server.bodyLimitBytes, corsOrigins: config.server.corsOrigins },
    models,
    modelCalls: { store: modelCallStore, writer: modelCallWriter },
    capabilities,
    capabilityCalls: config.capabilityCalls,
    requestLog: { store, writer, bodies: config.requestLog.bodies },
    readinessChecks,
    clock: systemClock,
    adminKey: config.auth.adminKey,
    keys,
    limits: {
      store: limitStore,
      maxEventLoopDelayMs: config.limits.maxEventLoopDelayMs,
      authFailuresPerMinute: config.limits.authFailuresPerMinute,
    },
    telemetry,
    documents,
    jobs,
    conversations,
    agents: { store: new SqlAgentStore(database.db), tools: config.tools, mcpSources },
    evals: {
      store: new SqlEvalStore(database.db),
      feedback: new SqlFeedbackStore(database.db),
      prices: config.models.gateway.prices,
    },
    database,
    close: () => scope.close(),
  };
}

/** The limit counters: shared through Redis when configured (and reachable at start), else in this process. */
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
