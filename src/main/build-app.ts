import type { FastifyInstance } from 'fastify';
import { createAgentCapability, registerAgentRoutes } from '../modules/agents/index.ts';
import { registerAnalysisRoutes } from '../modules/answers/index.ts';
import { type ApiKeyService, installAuthGuard, registerKeyRoutes } from '../modules/auth/index.ts';
import {
  type AnyCapability,
  type CapabilityCallSettings,
  type Clock,
  registerCapabilityRoutes,
} from '../modules/capabilities/index.ts';
import { registerConsoleStatic, registerMeRoute } from '../modules/console/index.ts';
import { type ConversationStore, registerConversationRoutes } from '../modules/conversations/index.ts';
import {
  type DocumentsService,
  registerCollectionRoutes,
  registerDocumentRoutes,
} from '../modules/documents/index.ts';
import {
  DatasetsService,
  EvalRunsService,
  type EvalsDependencies,
  registerDatasetRoutes,
  registerEvalRunRoutes,
  scorerRegistry,
} from '../modules/evals/index.ts';
import { FeedbackService, registerFeedbackRoutes } from '../modules/feedback/index.ts';
import {
  type Gateway,
  type ModelCallStore,
  type ModelCallWriter,
  registerGatewayRoutes,
} from '../modules/gateway/index.ts';
import type { Guardrails } from '../modules/guardrails/index.ts';
import { type ReadinessCheck, registerHealthRoutes } from '../modules/health/index.ts';
import {
  type JobSettings,
  type JobStore,
  type JobSystem,
  registerJobRoutes,
  registerJobStreamRoutes,
} from '../modules/jobs/index.ts';
import {
  AuthFailureLimiter,
  installLoadShedding,
  installRequestLimits,
  type LimitStore,
  type LimitsObserver,
} from '../modules/limits/index.ts';
import { registerMcpRoutes } from '../modules/mcp/index.ts';
import { registerOpenAICompatRoutes } from '../modules/openai-compat/index.ts';
import {
  HttpRequestLog,
  type RequestLogStore,
  type RequestLogWriter,
  registerRequestLogRoutes,
} from '../modules/request-log/index.ts';
import { registerSearchRoutes, type SearchService } from '../modules/retrieval/index.ts';
import { registerToolRoutes } from '../modules/tools/index.ts';
import { registerVariantRoutes, type VariantSystem } from '../modules/variants/index.ts';
import { createHttpServer, type HttpPlatform } from '../platform/http/index.ts';
import type { Notifier } from '../platform/jobs/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import {
  installHttpTelemetry,
  type KeelMetrics,
  registerMetricsRoute,
  type Telemetry,
} from '../platform/telemetry/index.ts';
import type { AgentDependencies } from './agent-wiring.ts';
import { type VariantDependencies, wireJobs } from './job-wiring.ts';
import { KEEL_DESCRIPTION, KEEL_VERSION } from './version.ts';

/** What the HTTP application needs, already built: tests pass in-memory adapters, `api.ts` real ones. */
export interface AppDependencies {
  readonly logger: Logger;
  readonly http: { readonly bodyLimitBytes: number; readonly corsOrigins: readonly string[] };
  /** The model gateway: capabilities' models, `/v1/models`, the OpenAI-compatible surface. */
  readonly models: Gateway;
  /** Model-call accounting (usage, cost, retries per call), read by `GET /v1/model-calls`. */
  readonly modelCalls: { readonly store: ModelCallStore; readonly writer: ModelCallWriter };
  readonly capabilities: readonly AnyCapability[];
  /** Guardrail policies per capability, per key and for `/openai/v1`; none apply when unset. */
  readonly guardrails?: Guardrails;
  readonly requestLog: {
    readonly store: RequestLogStore;
    readonly writer: RequestLogWriter;
    /** Keep bodies (redacted) in the request log; true unless configured off. */
    readonly bodies?: boolean;
  };
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly clock: Clock;
  /** KEEL_ADMIN_KEY: when set, every non-public route requires a key. */
  readonly adminKey?: string | undefined;
  /** API keys: authentication of every request, `/v1/admin/keys`. */
  readonly keys: ApiKeyService;
  /**
   * Counters for requests/minute, streams and failed key checks per address (memory, or Redis shared by
   * every process). `authFailuresPerMinute` unset or 0: failed key checks are not limited.
   */
  readonly limits: {
    readonly store: LimitStore;
    readonly maxEventLoopDelayMs: number;
    /** The event-loop lag load shedding reads (tests pin it); default measured. */
    readonly lag?: { readonly lagMs: number; stop(): void };
    readonly authFailuresPerMinute?: number;
  };
  readonly telemetry: Telemetry;
  /** Collections, documents and their ingestion; search over them. */
  readonly documents: {
    readonly service: DocumentsService;
    readonly search: SearchService;
    /** The `document-ingest` workflow job workers run (when ingestion goes through the job queue). */
    readonly ingestCapability?: AnyCapability;
  };
  /** Durable jobs: their store (with the queue), cross-process notifications, and whether workers run here. */
  readonly jobs: { readonly store: JobStore; readonly notifier: Notifier; readonly settings: JobSettings };
  /** Conversations of the `chat` capability (the same store the capability was built with). */
  readonly conversations: ConversationStore;
  /** Streamed and batch capability calls (SSE heartbeat, batch size and concurrency); defaults when unset. */
  readonly capabilityCalls?: CapabilityCallSettings;
  /** Agent runs' store, custom tools and MCP servers' tools; in memory with none when unset. */
  readonly agents?: AgentDependencies;
  /** Datasets, eval runs and feedback storage (and custom scorers); in memory when unset. */
  readonly evals?: EvalsDependencies;
  /** Where the built console is (`console/dist` when unset). */
  readonly console?: { readonly distDirectory?: string };
  /** Variants' store, webhook and keel.config.ts declarations; in memory with none when unset. */
  readonly variants?: VariantDependencies;
}

/** Limit events as metrics. */
export function limitsObserver(metrics: KeelMetrics): LimitsObserver {
  return {
    rejected: (limit) => metrics.rateLimitRejections.inc({ limit }),
    streamOpened: () => metrics.openStreams.inc(),
    streamClosed: () => metrics.openStreams.dec(),
  };
}

/** The app factory: every route of Keel on one Fastify instance, ready for `inject` or `listen`. */
export async function buildApp(
  dependencies: AppDependencies,
): Promise<HttpPlatform & { readonly jobs: JobSystem; readonly variants: VariantSystem }> {
  const platform = await createHttpServer({
    logger: dependencies.logger,
    bodyLimitBytes: dependencies.http.bodyLimitBytes,
    corsOrigins: dependencies.http.corsOrigins,
    // Open mode: no key protects the API, so only loopback names and Keel's own pages may reach it.
    loopbackOnly: dependencies.adminKey === undefined,
    version: KEEL_VERSION,
    description: KEEL_DESCRIPTION,
  });
  const { app, shutdownGate } = platform;
  const writer = dependencies.requestLog.writer;

  // Order matters: shed load first, then trace, open the request's log entry, authenticate, count.
  const fastify = app as unknown as FastifyInstance;
  const { metrics, tracing } = dependencies.telemetry;
  installLoadShedding(fastify, {
    maxEventLoopDelayMs: dependencies.limits.maxEventLoopDelayMs,
    ...(dependencies.limits.lag === undefined ? {} : { lag: dependencies.limits.lag }),
    onShed: () => metrics.loadShed.inc(),
  });
  installHttpTelemetry(fastify, { tracer: tracing.tracer, metrics });
  // Before auth, so requests refused for scope or limits are logged too (unauthenticated ones are not).
  const requestLog = new HttpRequestLog({ writer, bodies: dependencies.requestLog.bodies ?? true });
  requestLog.install(fastify);
  const authFailures = new AuthFailureLimiter({
    store: dependencies.limits.store,
    observer: limitsObserver(metrics),
    failuresPerMinute: dependencies.limits.authFailuresPerMinute ?? 0,
  });
  installAuthGuard(fastify, dependencies.keys, dependencies.adminKey, authFailures);
  installRequestLimits(fastify, {
    store: dependencies.limits.store,
    observer: limitsObserver(metrics),
    subjectOf: (request) => request.principal,
  });

  // The invoker, tools and agents (each run segment an `agent-run` job), eval runs (`eval-run` jobs) and
  // the job system: the same wiring as `keel worker`. Workers (when they run in this process) start once the
  // app is ready and hand jobs back on close.
  const { invoker, agents, evals, jobs, variants } = wireJobs(dependencies, requestLog.recordInvocation);
  const agentService = agents.createService(jobs.service);
  // The routing table is loaded before the first request (and config declarations added).
  await variants.start();
  fastify.addHook('onReady', () => jobs.start());
  fastify.addHook('onClose', async () => {
    await jobs.stop();
    await variants.close();
  });

  // Every route of Keel, here and nowhere else.
  registerHealthRoutes(app, { checks: dependencies.readinessChecks, shutdownGate, version: KEEL_VERSION });
  registerCapabilityRoutes(app, {
    capabilities: dependencies.capabilities,
    invoker,
    ...dependencies.capabilityCalls,
    shutdown: shutdownGate.deadline,
  });
  registerJobRoutes(app, { service: jobs.service, capabilities: dependencies.capabilities });
  // KEEL_SSE_HEARTBEAT_MS: every SSE stream's keep-alive interval.
  const keepAlive = dependencies.capabilityCalls?.stream
    ? { keepAliveMs: dependencies.capabilityCalls.stream.heartbeatMs }
    : {};
  await registerJobStreamRoutes(app, { service: jobs.service, feed: jobs.feed, ...keepAlive });
  if (dependencies.capabilities.some((capability) => capability.name === 'analysis')) {
    registerAnalysisRoutes(app, { service: jobs.service, feed: jobs.feed });
  }
  registerRequestLogRoutes(app, { store: dependencies.requestLog.store, writer });
  registerConversationRoutes(app, { store: dependencies.conversations });
  registerGatewayRoutes(app, { gateway: dependencies.models, calls: dependencies.modelCalls });
  await registerOpenAICompatRoutes(app, {
    gateway: dependencies.models,
    guardrails: dependencies.guardrails,
    record: requestLog.recordInvocation,
    shutdown: shutdownGate.deadline,
    ...keepAlive,
  });
  registerKeyRoutes(app, {
    service: dependencies.keys,
    clock: dependencies.clock,
    guardrailExists: (name) => dependencies.guardrails?.has(name) ?? false,
  });
  registerMeRoute(app, { keys: dependencies.keys, authFailures });
  // The web console's built files at /console (docs/console.md).
  registerConsoleStatic(app, dependencies.console ?? {});
  registerMetricsRoute(fastify, metrics);
  registerCollectionRoutes(app, { service: dependencies.documents.service });
  await registerDocumentRoutes(app, { service: dependencies.documents.service });
  registerSearchRoutes(app, { search: dependencies.documents.search });
  registerToolRoutes(app, agents.tools);
  registerAgentRoutes(app, { service: agentService, feed: agents.feed, ...keepAlive });
  registerMcpRoutes(app, { ...agents.tools, version: KEEL_VERSION });
  // `POST /v1/agent`: an agent run called like a capability (sync or streamed); the run itself is the job.
  registerCapabilityRoutes(app, {
    capabilities: [createAgentCapability({ service: agentService, feed: agents.feed })],
    invoker,
    ...dependencies.capabilityCalls,
    shutdown: shutdownGate.deadline,
  });
  // `/v1/datasets`, `/v1/eval-runs` (each run an `eval-run` job) and `/v1/feedback`.
  const capabilities = () => dependencies.capabilities;
  const datasets = new DatasetsService({ store: evals.store, capabilities, clock: dependencies.clock });
  const feedback = new FeedbackService({
    store: evals.feedback,
    requests: dependencies.requestLog.store,
    flushRequests: () => writer.flush(),
    capabilities,
    clock: dependencies.clock,
    // Ratings count for the variant that served the request (online evals).
    onRating: async (tenantId, requestId, rating) => {
      await variants.flush();
      await variants.service.rate(tenantId, requestId, rating);
    },
  });
  const runs = new EvalRunsService({
    store: evals.store,
    datasets,
    jobs: jobs.service,
    scorers: scorerRegistry(evals.scorers),
    clock: dependencies.clock,
  });
  registerDatasetRoutes(app, { datasets, feedback });
  registerEvalRunRoutes(app, { runs, datasets });
  registerFeedbackRoutes(app, { service: feedback });
  // `/v1/admin/capabilities/{name}/...`: variants, traffic, promote, rollback, events, comparison.
  registerVariantRoutes(app, { service: variants.service, flush: () => variants.flush() });
  await app.ready();
  return { ...platform, jobs, variants };
}
