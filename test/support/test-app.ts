import { Writable } from 'node:stream';
import type { LanguageModelV4, LanguageModelV4Middleware } from '@ai-sdk/provider';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { inlineLocalEngine } from '../../src/local-engine/index.ts';
import { type AppDependencies, buildApp, limitsObserver } from '../../src/main/build-app.ts';
import {
  createDocumentsDependencies,
  type DocumentsDependencies,
  knowledgeBaseOf,
} from '../../src/main/documents-dependencies.ts';
import {
  createAnalysisWorkflow,
  createAnswerCapability,
  DEFAULT_RELEVANCE,
} from '../../src/modules/answers/index.ts';
import { ApiKeyService, MemoryApiKeyStore } from '../../src/modules/auth/index.ts';
import {
  type AnyCapability,
  createChatCapability,
  createClassifyCapability,
  createExtractCapability,
  createRecommendCapability,
  createScoreCapability,
  createSummarizeCapability,
  generateCapability,
} from '../../src/modules/capabilities/index.ts';
import { MemoryConversationStore } from '../../src/modules/conversations/index.ts';
import { MemoryDocumentStore } from '../../src/modules/documents/index.ts';
import {
  DEFAULT_RESILIENCE,
  emptyGatewaySettings,
  Gateway,
  type GatewaySettings,
  MemoryModelCallStore,
  type ModelCallObserver,
  ModelCallWriter,
} from '../../src/modules/gateway/index.ts';
import { Guardrails, type GuardrailsConfig } from '../../src/modules/guardrails/index.ts';
import type { JobSystem } from '../../src/modules/jobs/index.ts';
import {
  createModelLimitsMiddleware,
  type KeyLimits,
  MemoryLimitStore,
} from '../../src/modules/limits/index.ts';
import { MemoryRequestLogStore, RequestLogWriter } from '../../src/modules/request-log/index.ts';
import { MemoryChunkIndex } from '../../src/modules/retrieval/index.ts';
import type { VariantSystem } from '../../src/modules/variants/index.ts';
import { DEFAULT_TENANT_ID, type HttpPlatform } from '../../src/platform/http/index.ts';
import { createLogger } from '../../src/platform/logging/index.ts';
import {
  createModelTelemetryMiddleware,
  createTelemetry,
  type ModelCostFunction,
  noCost,
  type Telemetry,
} from '../../src/platform/telemetry/index.ts';
import { memoryJobs } from './jobs.ts';

/** Log lines a test app wrote, parsed, so tests can assert on what operators would see. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    callback();
  }
}

/**
 * A real gateway whose `default` alias is one given model (an AI SDK mock, usually), so HTTP tests run the
 * real pipeline (accounting, middlewares, error taxonomy). One attempt, no retries, unless `settings` says
 * otherwise: retry and fallback behaviour has its own tests.
 */
export function catalogFor(
  model: LanguageModelV4,
  middlewares: readonly LanguageModelV4Middleware[] = [],
  options: {
    readonly settings?: Partial<GatewaySettings>;
    readonly observers?: readonly ModelCallObserver[];
  } = {},
): Gateway {
  const provider = model.provider.split('.')[0] ?? model.provider;
  return new Gateway({
    settings: emptyGatewaySettings({
      aliases: [
        { name: 'default', deployments: [{ ref: `${provider}:${model.modelId}`, weight: 1 }], fallbacks: [] },
      ],
      resilience: { ...DEFAULT_RESILIENCE, maxAttempts: 1 },
      ...options.settings,
    }),
    providers: { [provider]: { languageModel: () => model } },
    modelMiddleware: middlewares,
    observers: options.observers ?? [],
  });
}

export interface TestAppOptions extends Partial<Omit<AppDependencies, 'logger'>> {
  readonly model?: LanguageModelV4;
  readonly extraCapabilities?: readonly AnyCapability[];
  /** Default limits for every key (and for open local access). */
  readonly defaultLimits?: KeyLimits;
  /** Prices model calls for budgets, metrics and the request log. */
  readonly costOf?: ModelCostFunction;
  /** Builds the gateway with the app's model middlewares (limits, telemetry) and observers (model calls). */
  readonly gateway?: (
    middlewares: readonly LanguageModelV4Middleware[],
    observers: readonly ModelCallObserver[],
  ) => Gateway;
  /** keel.config.ts `guardrails`: the app gets them with the keys' policies and the metrics wired. */
  readonly guardrailsConfig?: Partial<GuardrailsConfig>;
}

export interface TestApp extends HttpPlatform {
  readonly store: MemoryRequestLogStore;
  readonly writer: RequestLogWriter;
  readonly logs: LogCapture;
  readonly keys: ApiKeyService;
  readonly limitStore: MemoryLimitStore;
  /** Model calls the gateway accounted (flush `modelCallWriter` before reading). */
  readonly modelCallStore: MemoryModelCallStore;
  readonly modelCallWriter: ModelCallWriter;
  readonly telemetry: Telemetry;
  /** Every span the app ended, as an OTLP exporter would have received it. */
  readonly spans: InMemorySpanExporter;
  /** Jobs: in memory with workers in process unless the test brings its own adapters. */
  readonly jobs: JobSystem;
  /** Variants: in memory unless the test brings a store. */
  readonly variants: VariantSystem;
  close(): Promise<void>;
}

/** `answer` and `analysis` over the test app's documents, with lexical relevance (no model load). */
/** Documents and retrieval in memory, lexical only (no embedder): what the tests of grounded capabilities use. */
export function memoryDocuments(
  options: { readonly maxUploadBytes?: number; readonly clock?: { now(): Date } } = {},
): DocumentsDependencies {
  return createDocumentsDependencies({
    store: new MemoryDocumentStore(),
    index: new MemoryChunkIndex(),
    embeddingModel: null,
    logger: createLogger({ level: 'silent' }),
    clock: options.clock ?? { now: () => new Date() },
    maxUploadBytes: options.maxUploadBytes ?? 1_048_576,
  });
}

export function groundedCapabilities(documents: AppDependencies['documents']): AnyCapability[] {
  const knowledge = knowledgeBaseOf(documents);
  const relevance = { ...DEFAULT_RELEVANCE, engine: inlineLocalEngine({ embedder: null }) };
  return [createAnswerCapability({ knowledge, relevance }), createAnalysisWorkflow({ knowledge, relevance })];
}

/** The real app factory with in-memory adapters: the HTTP test tier. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const logs = new LogCapture();
  const store = new MemoryRequestLogStore();
  const writer = new RequestLogWriter(store);
  const clock = options.clock ?? { now: () => new Date() };
  const spans = new InMemorySpanExporter();
  const telemetry =
    options.telemetry ??
    createTelemetry({ serviceName: 'keel-test', version: 'test', exporter: spans, defaultMetrics: false });
  const limitStore = new MemoryLimitStore();
  const keys =
    options.keys ??
    new ApiKeyService({
      store: new MemoryApiKeyStore(),
      clock,
      adminKey: options.adminKey,
      defaultTenantId: DEFAULT_TENANT_ID,
      defaultLimits: options.defaultLimits ?? {},
    });
  const costOf = options.costOf ?? noCost;
  const modelCallStore = new MemoryModelCallStore();
  const modelCallWriter = new ModelCallWriter(modelCallStore);
  // The model-call middlewares the composition root hands the gateway: limits outside telemetry.
  const middlewares = [
    createModelLimitsMiddleware({
      store: limitStore,
      observer: limitsObserver(telemetry.metrics),
      limitsFor: (subject) => keys.limitsFor(subject),
      costOf,
    }),
    createModelTelemetryMiddleware({ tracer: telemetry.tracing.tracer, metrics: telemetry.metrics, costOf }),
  ];
  const conversations = options.conversations ?? new MemoryConversationStore();
  // Documents and retrieval in memory, lexical only, unless a test brings its own.
  const defaultDocuments = options.documents
    ? undefined
    : memoryDocuments({ clock, maxUploadBytes: 20_971_520 });
  const platform = await buildApp({
    logger: createLogger({ level: 'debug', destination: logs }),
    http: options.http ?? { bodyLimitBytes: 1_048_576, corsOrigins: [] },
    models:
      options.models ??
      options.gateway?.(middlewares, [modelCallWriter.write]) ??
      (options.model
        ? catalogFor(options.model, middlewares, { observers: [modelCallWriter.write] })
        : new Gateway({ settings: emptyGatewaySettings(), modelMiddleware: middlewares })),
    modelCalls: options.modelCalls ?? { store: modelCallStore, writer: modelCallWriter },
    capabilities: options.capabilities ?? [
      generateCapability,
      // The built-in capabilities with a lexical-only local engine: no test loads USE-lite by accident.
      createSummarizeCapability({
        embedder: null,
        documents: (options.documents ?? (defaultDocuments as NonNullable<typeof defaultDocuments>)).service,
      }),
      ...[
        createClassifyCapability,
        createExtractCapability,
        createScoreCapability,
        createRecommendCapability,
      ].map((create) => create({ embedder: null })),
      ...groundedCapabilities(
        options.documents ?? (defaultDocuments as NonNullable<typeof defaultDocuments>),
      ),
      createChatCapability({ conversations, clock }),
      ...(options.extraCapabilities ?? []),
    ],
    requestLog: options.requestLog ?? { store, writer },
    readinessChecks: options.readinessChecks ?? [],
    clock,
    adminKey: options.adminKey,
    keys,
    limits: options.limits ?? { store: limitStore, maxEventLoopDelayMs: 0 },
    telemetry,
    documents: options.documents ?? (defaultDocuments as NonNullable<typeof defaultDocuments>),
    jobs: options.jobs ?? memoryJobs(),
    conversations,
    ...(options.capabilityCalls ? { capabilityCalls: options.capabilityCalls } : {}),
    ...(options.agents ? { agents: options.agents } : {}),
    ...(options.console ? { console: options.console } : {}),
    ...(options.variants ? { variants: options.variants } : {}),
    ...(options.guardrailsConfig
      ? {
          guardrails: new Guardrails({
            config: options.guardrailsConfig,
            engine: inlineLocalEngine({ embedder: null }),
            keyPolicies: (keyId) => keys.guardrailsFor(keyId),
            onDecision: (decision) =>
              telemetry.metrics.guardrailDecisions.inc({
                policy: decision.policy,
                stage: decision.stage,
                action: decision.action,
              }),
          }),
        }
      : {}),
  });
  return {
    ...platform,
    store,
    writer,
    logs,
    keys,
    limitStore,
    modelCallStore,
    modelCallWriter,
    telemetry,
    spans,
    async close() {
      await platform.app.close();
      await defaultDocuments?.runner.close();
      await writer.close();
      await modelCallWriter.close();
      await telemetry.shutdown();
    },
  };
}
