/** The provider SDKs Keel builds deployments from. */
export type ProviderKind = 'openai' | 'anthropic' | 'openai-compatible';

/** One configured provider: an SDK instance with its endpoint and key. */
export interface ProviderSettings {
  /** The `provider` part of `provider:model` references (`openai`, `anthropic`, `ollama`, ...). */
  readonly name: string;
  readonly kind: ProviderKind;
  readonly baseUrl: string | undefined;
  /** Resolved from the environment (never from the config file). */
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Use the server's JSON-schema mode for structured output (OpenAI: always; others: when they support it). */
  readonly structuredOutputs: boolean;
}

/** A deployment of an alias: `provider:model`, with its share of the traffic among its group. */
export interface DeploymentTarget {
  readonly ref: string;
  readonly weight: number;
}

/**
 * An alias (`default`, `fast`, `smart`, `embed`, or any name): the deployments that serve it, load-balanced
 * by weight, then ordered fallbacks (references or other aliases) tried only when those fail.
 */
export interface AliasSettings {
  readonly name: string;
  readonly deployments: readonly DeploymentTarget[];
  readonly fallbacks: readonly string[];
}

/** USD per million tokens. */
export interface PriceSettings {
  readonly input: number;
  readonly output: number;
  /** Price of input tokens read from the provider's prompt cache; defaults to `input`. */
  readonly cachedInput?: number | undefined;
}

export interface ResilienceSettings {
  /** Attempts per group of deployments (1 = no retry) before falling back to the next group. */
  readonly maxAttempts: number;
  /** First backoff ceiling; doubles each retry up to `maxDelayMs` (full jitter picks in [0, ceiling]). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the group is given up (fallback or 429). */
  readonly maxRetryAfterMs: number;
  /** One non-streaming attempt, request to parsed response. */
  readonly requestTimeoutMs: number;
  /** One streaming attempt, request to the first token. */
  readonly firstTokenTimeoutMs: number;
  /** Longest silence between two stream parts once tokens flow. */
  readonly idleTimeoutMs: number;
  /** Every attempt and backoff of one call, up to the response (or the first token of a stream). */
  readonly totalTimeoutMs: number;
  readonly breaker: {
    /** Consecutive failures that open a deployment's circuit. */
    readonly failureThreshold: number;
    /** How long an open circuit rejects calls before one probe is let through (half-open). */
    readonly halfOpenAfterMs: number;
  };
}

export interface CacheSettings {
  readonly enabled: boolean;
  readonly ttlMs: number;
  /** In-process store only; Redis evicts by TTL. */
  readonly maxEntries: number;
  /** Larger responses are served but not cached. */
  readonly maxEntryBytes: number;
}

/** Everything the gateway needs from configuration, already resolved from the environment and the file. */
export interface GatewaySettings {
  readonly providers: readonly ProviderSettings[];
  readonly aliases: readonly AliasSettings[];
  /** Capability name -> alias or `provider:model`; unrouted capabilities use `default`. */
  readonly routes: Readonly<Record<string, string>>;
  /** `provider:model` -> price. */
  readonly prices: Readonly<Record<string, PriceSettings>>;
  readonly resilience: ResilienceSettings;
  readonly cache: CacheSettings;
  /** Re-asks after a structured output fails its schema (0 = none). */
  readonly structuredOutputRepairs: number;
  /** Why `default` is missing, for the MODEL_NOT_CONFIGURED detail (names the variables to set). */
  readonly notConfiguredHint: string;
}

export const DEFAULT_RESILIENCE: ResilienceSettings = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 20_000,
  requestTimeoutMs: 60_000,
  firstTokenTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 120_000,
  breaker: Object.freeze({ failureThreshold: 5, halfOpenAfterMs: 30_000 }),
});

export const DEFAULT_CACHE: CacheSettings = Object.freeze({
  enabled: false,
  ttlMs: 300_000,
  maxEntries: 1_000,
  maxEntryBytes: 1_048_576,
});

export const DEFAULT_NOT_CONFIGURED_HINT =
  'Set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL and KEEL_MODEL (an OpenAI-compatible server such as Ollama, vLLM, llama.cpp or LM Studio), or ANTHROPIC_API_KEY, then restart Keel.';

/** Settings with nothing configured: every call answers MODEL_NOT_CONFIGURED. */
export function emptyGatewaySettings(overrides: Partial<GatewaySettings> = {}): GatewaySettings {
  return {
    providers: [],
    aliases: [],
    routes: {},
    prices: {},
    resilience: DEFAULT_RESILIENCE,
    cache: DEFAULT_CACHE,
    structuredOutputRepairs: 2,
    notConfiguredHint: DEFAULT_NOT_CONFIGURED_HINT,
    ...overrides,
  };
}
