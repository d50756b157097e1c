import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { AnyCapability } from '../modules/capabilities/index.ts';
import type { ParseLimits } from '../modules/documents/index.ts';
import type { GatewaySettings } from '../modules/gateway/config.ts';
import type { GuardrailsConfig } from '../modules/guardrails/config.ts';
import type { KeyLimits } from '../modules/limits/index.ts';
import type { McpServerConfig } from '../modules/mcp/config.ts';
import type { AnyTool } from '../modules/tools/index.ts';
import type { VariantsConfig } from '../modules/variants/config.ts';
import { defaultCacheDirectory } from '../platform/db/cluster-template.ts';
import { configFileSchema } from './config-file.schema.ts';
import { type Environment, environmentSchema, secretVariables } from './environment.schema.ts';
import { type JobsConfig, resolveJobsConfig } from './jobs-config.ts';
import { modelsConfigProblems, resolveGatewaySettings } from './models-config.ts';

export type LogLevel = Environment['LOG_LEVEL'];

export type StorageConfig =
  | { readonly kind: 'embedded'; readonly dataDir: string; readonly cacheDir?: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** The resolved, frozen configuration every composition root receives. */
export interface KeelConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly corsOrigins: readonly string[];
    readonly shutdownTimeoutMs: number;
  };
  readonly storage: StorageConfig;
  readonly redisUrl: string | undefined;
  readonly auth: { readonly adminKey: string | undefined };
  readonly limits: {
    /** Applied to every key, under the key's own limits. */
    readonly defaults: KeyLimits;
    readonly maxEventLoopDelayMs: number;
    readonly redisPrefix: string;
    /** Refused keys answered per client address per minute before they get 429 instead; 0 is off. */
    readonly authFailuresPerMinute: number;
  };
  readonly requestLog: { readonly bodies: boolean; readonly retentionDays: number };
  /** The worker-thread pool for CPU-bound work (see docs/architecture.md). */
  readonly compute: {
    /** Undefined: available cores - 1, at least 1. */
    readonly threads: number | undefined;
    readonly maxQueue: number;
    readonly queueTimeoutMs: number;
    readonly taskTimeoutMs: number;
    readonly maxHeapMb: number;
  };
  /** Requests to URLs users choose (job webhooks): the non-public targets they may reach anyway. */
  readonly outbound: { readonly allow: readonly string[] };
  /** Variants declared in keel.config.ts, and the webhook their promotions and rollbacks are sent to. */
  readonly variants: {
    readonly declared: VariantsConfig;
    readonly webhook: { readonly url: string; readonly secret: string } | undefined;
  };
  readonly documents: {
    /** Largest document the documents API accepts. */
    readonly maxUploadBytes: number;
    /** Which embedder retrieval uses: the embedded local engine, or none (lexical only). */
    readonly embeddings: 'local' | 'off';
    /** What parsing one document may cost (sizes, entries, ratio, nesting, pages, characters, blocks). */
    readonly parseLimits: ParseLimits;
  };
  /** The memory window of `chat`: earlier messages and tokens one turn sends to the model. */
  readonly chat: {
    readonly window: { readonly maxMessages: number; readonly maxTokens: number };
    /** Days a conversation is kept after its last turn; 0 keeps everything. */
    readonly retentionDays: number;
  };
  /** Streamed and batch capability calls: SSE heartbeat, batch size and concurrency. */
  readonly capabilityCalls: {
    readonly stream: { readonly heartbeatMs: number };
    readonly batch: { readonly maxItems: number; readonly concurrency: number };
  };
  readonly telemetry: {
    readonly serviceName: string;
    /** OTLP/HTTP trace export; undefined when no collector is configured. */
    readonly otlp: { readonly url: string; readonly headers: Readonly<Record<string, string>> } | undefined;
  };
  readonly models: {
    readonly openai: {
      readonly apiKey: string | undefined;
      readonly baseUrl: string | undefined;
      readonly model: string | undefined;
    };
    readonly anthropic: { readonly apiKey: string | undefined };
    /** Providers, aliases, routes, prices, resilience and cache, resolved from both sources. */
    readonly gateway: GatewaySettings;
  };
  readonly logLevel: LogLevel;
  readonly capabilities: readonly AnyCapability[];
  /** Custom tools and MCP servers of keel.config.ts (see docs/agents.md). */
  readonly tools: readonly AnyTool[];
  readonly mcp: { readonly servers: readonly McpServerConfig[] };
  /** Guardrail policies and where they apply (see docs/guardrails.md). */
  readonly guardrails: GuardrailsConfig;
  /** Job workers, leases, default retry policy and webhooks. */
  readonly jobs: JobsConfig;
  /** The `keel` commands that talk to a running Keel over HTTP (`ingest`, `eval`). */
  readonly cli: {
    /** `KEEL_URL`; undefined: the commands use `http://HOST:PORT`. */
    readonly url: string | undefined;
    readonly maxAttempts: number;
    readonly retrySeconds: number;
  };
  readonly configFile: string | undefined;
}

/** Every problem found while loading, reported together so one restart fixes them all. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<KeelConfig> {
  const environment = options.environment ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const parsedEnvironment = environmentSchema.safeParse(pickDeclared(environment));
  if (!parsedEnvironment.success) problems.push(...describeIssues(parsedEnvironment.error, 'environment'));

  const file = await readConfigFile(environment.KEEL_CONFIG, cwd, problems);
  if (file !== undefined) problems.push(...modelsConfigProblems(file.values.models, environment));

  if (
    parsedEnvironment.success &&
    !parsedEnvironment.data.KEEL_ADMIN_KEY &&
    !isLoopback(parsedEnvironment.data.HOST)
  ) {
    problems.push(
      `HOST: ${parsedEnvironment.data.HOST} is reachable from other machines, so KEEL_ADMIN_KEY must be set (or bind HOST=127.0.0.1)`,
    );
  }
  if (!parsedEnvironment.success || file === undefined || problems.length > 0)
    throw new ConfigError(problems);
  return resolve(parsedEnvironment.data, file.values, file.path, cwd, environment);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function pickDeclared(
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const declared: Record<string, string | undefined> = {};
  for (const name of Object.keys(environmentSchema.shape)) declared[name] = environment[name];
  return declared;
}

type FileValues = z.output<typeof configFileSchema>;

async function readConfigFile(
  explicitPath: string | undefined,
  cwd: string,
  problems: string[],
): Promise<{ values: FileValues; path: string | undefined } | undefined> {
  const candidate = explicitPath?.trim()
    ? path.resolve(cwd, explicitPath)
    : path.resolve(cwd, 'keel.config.ts');
  if (!existsSync(candidate)) {
    if (explicitPath?.trim()) {
      problems.push(`KEEL_CONFIG: no config file at ${candidate}`);
      return undefined;
    }
    return { values: configFileSchema.parse({}), path: undefined };
  }
  let exported: unknown;
  try {
    const module = (await import(pathToFileURL(candidate).href)) as { default?: unknown; config?: unknown };
    exported = module.default ?? module.config;
  } catch (error) {
    problems.push(
      `${candidate}: could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
  const parsed = configFileSchema.safeParse(exported ?? {});
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error, candidate));
    return undefined;
  }
  return { values: parsed.data, path: candidate };
}

function describeIssues(error: z.ZodError, source: string): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    // Never echo a secret's value back, even a malformed one.
    const isSecret = (secretVariables as readonly string[]).includes(String(issue.path[0]));
    const message = isSecret ? issue.message.replace(/received .*/i, 'received a value') : issue.message;
    return source === 'environment' ? `${name}: ${message}` : `${source}: ${name}: ${message}`;
  });
}

function resolve(
  environment: Environment,
  file: FileValues,
  configFile: string | undefined,
  cwd: string,
  rawEnvironment: Readonly<Record<string, string | undefined>>,
): KeelConfig {
  const corsOrigins = environment.KEEL_CORS_ORIGINS
    ? environment.KEEL_CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean)
    : (file.http.corsOrigins ?? []);
  const config: KeelConfig = {
    server: {
      host: environment.HOST,
      port: environment.PORT,
      bodyLimitBytes: file.http.bodyLimitBytes ?? environment.KEEL_BODY_LIMIT_BYTES,
      corsOrigins,
      shutdownTimeoutMs: environment.KEEL_SHUTDOWN_TIMEOUT_MS,
    },
    storage: environment.DATABASE_URL
      ? { kind: 'postgres', url: environment.DATABASE_URL }
      : {
          kind: 'embedded',
          dataDir:
            environment.KEEL_DATA_DIR === 'memory://'
              ? 'memory://'
              : path.resolve(cwd, environment.KEEL_DATA_DIR),
          ...cacheDirectory(environment.KEEL_CACHE_DIR, cwd, rawEnvironment),
        },
    redisUrl: environment.REDIS_URL,
    auth: { adminKey: environment.KEEL_ADMIN_KEY },
    limits: {
      defaults: defaultLimits(environment),
      maxEventLoopDelayMs: environment.KEEL_MAX_EVENT_LOOP_DELAY_MS,
      redisPrefix: environment.KEEL_REDIS_PREFIX,
      authFailuresPerMinute: environment.KEEL_AUTH_FAILURES_PER_MINUTE,
    },
    compute: {
      threads: environment.KEEL_COMPUTE_THREADS,
      maxQueue: environment.KEEL_COMPUTE_MAX_QUEUE,
      queueTimeoutMs: environment.KEEL_COMPUTE_QUEUE_TIMEOUT_MS,
      taskTimeoutMs: environment.KEEL_COMPUTE_TASK_TIMEOUT_MS,
      maxHeapMb: environment.KEEL_COMPUTE_MAX_HEAP_MB,
    },
    outbound: {
      allow: (environment.KEEL_OUTBOUND_ALLOW ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    },
    requestLog: {
      bodies: environment.KEEL_REQUEST_LOG_BODIES,
      retentionDays: environment.KEEL_REQUEST_LOG_RETENTION_DAYS,
    },
    documents: {
      maxUploadBytes: environment.KEEL_UPLOAD_LIMIT_BYTES,
      embeddings: environment.KEEL_EMBEDDINGS,
      parseLimits: {
        maxUncompressedBytes: environment.KEEL_PARSE_MAX_UNCOMPRESSED_BYTES,
        maxZipEntries: environment.KEEL_PARSE_MAX_ZIP_ENTRIES,
        maxCompressionRatio: environment.KEEL_PARSE_MAX_COMPRESSION_RATIO,
        maxNestingDepth: environment.KEEL_PARSE_MAX_NESTING_DEPTH,
        maxPdfPages: environment.KEEL_PARSE_MAX_PDF_PAGES,
        maxCharacters: environment.KEEL_PARSE_MAX_CHARACTERS,
        maxBlocks: environment.KEEL_PARSE_MAX_BLOCKS,
      },
    },
    chat: {
      window: {
        maxMessages: environment.KEEL_CHAT_WINDOW_MESSAGES,
        maxTokens: environment.KEEL_CHAT_WINDOW_TOKENS,
      },
      retentionDays: environment.KEEL_CHAT_RETENTION_DAYS,
    },
    capabilityCalls: {
      stream: { heartbeatMs: environment.KEEL_SSE_HEARTBEAT_MS },
      batch: { maxItems: environment.KEEL_BATCH_MAX_ITEMS, concurrency: environment.KEEL_BATCH_CONCURRENCY },
    },
    telemetry: { serviceName: environment.OTEL_SERVICE_NAME, otlp: otlpSettings(environment) },
    models: {
      openai: {
        apiKey: environment.OPENAI_API_KEY,
        baseUrl: environment.OPENAI_BASE_URL,
        model: environment.KEEL_MODEL ?? file.models.default,
      },
      anthropic: { apiKey: environment.ANTHROPIC_API_KEY },
      gateway: resolveGatewaySettings(environment, file.models, rawEnvironment),
    },
    logLevel: environment.LOG_LEVEL,
    capabilities: file.capabilities,
    tools: file.tools,
    mcp: file.mcp,
    variants: {
      declared: file.variants,
      webhook:
        environment.KEEL_VARIANTS_WEBHOOK_URL && environment.KEEL_VARIANTS_WEBHOOK_SECRET
          ? { url: environment.KEEL_VARIANTS_WEBHOOK_URL, secret: environment.KEEL_VARIANTS_WEBHOOK_SECRET }
          : undefined,
    },
    guardrails: file.guardrails,
    jobs: resolveJobsConfig(environment, file.jobs),
    cli: {
      url: environment.KEEL_URL,
      maxAttempts: environment.KEEL_CLI_MAX_ATTEMPTS,
      retrySeconds: environment.KEEL_CLI_RETRY_SECONDS,
    },
    configFile,
  };
  // Capabilities hold Zod schemas, which cache lazily: freeze the list, not the schemas inside it.
  Object.freeze(config.capabilities);
  return deepFreeze(config);
}

/** `KEEL_CACHE_DIR`: unset is the user's cache directory, `off` is none. */
function cacheDirectory(
  value: string | undefined,
  cwd: string,
  rawEnvironment: Readonly<Record<string, string | undefined>>,
): { cacheDir?: string } {
  if (value === 'off') return {};
  return { cacheDir: value === undefined ? defaultCacheDirectory(rawEnvironment) : path.resolve(cwd, value) };
}

function defaultLimits(environment: Environment): KeyLimits {
  return {
    ...(environment.KEEL_LIMIT_REQUESTS_PER_MINUTE === undefined
      ? {}
      : { requestsPerMinute: environment.KEEL_LIMIT_REQUESTS_PER_MINUTE }),
    ...(environment.KEEL_LIMIT_TOKENS_PER_MINUTE === undefined
      ? {}
      : { tokensPerMinute: environment.KEEL_LIMIT_TOKENS_PER_MINUTE }),
    ...(environment.KEEL_LIMIT_CONCURRENT_STREAMS === undefined
      ? {}
      : { concurrentStreams: environment.KEEL_LIMIT_CONCURRENT_STREAMS }),
    ...(environment.KEEL_BUDGET_USD === undefined
      ? {}
      : { budget: { usd: environment.KEEL_BUDGET_USD, period: environment.KEEL_BUDGET_PERIOD } }),
  };
}

function otlpSettings(environment: Environment): KeelConfig['telemetry']['otlp'] {
  const url =
    environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (environment.OTEL_EXPORTER_OTLP_ENDPOINT
      ? `${environment.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
      : undefined);
  if (url === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of (environment.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const separator = pair.indexOf('=');
    if (separator > 0)
      headers[decodeURIComponent(pair.slice(0, separator).trim())] = decodeURIComponent(
        pair.slice(separator + 1).trim(),
      );
  }
  return { url, headers };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
