/** Where a model call came from: a capability (`capability:summarize`) or the OpenAI surface (`openai:chat.completions`). */
export type ModelCallSource = string;

/**
 * One model call as accounting records it: who asked, which deployment served, what it cost and how it
 * went. Stored per request id (GET /v1/model-calls), summed into the request log, and handed to observers
 * (metrics) as it happens.
 */
export interface ModelCallRecord {
  readonly id: string;
  readonly requestId: string;
  readonly tenantId: string;
  /**
   * Who the call counts against: the API key id (`admin` for the bootstrap key), `local` when auth is
   * open, null outside any request. Budgets are seeded from these rows after a restart (decision 0127).
   */
  readonly subject?: string | null;
  /** The variant whose invocation made the call (`summarize@3`); null or absent without one. */
  readonly variant?: string | null;
  readonly source: ModelCallSource;
  readonly operation: 'generate' | 'stream' | 'embed';
  /** The alias or `provider:model` asked for. */
  readonly route: string;
  /** `provider:model` that served (or last failed); null when no attempt was made. */
  readonly deployment: string | null;
  readonly provider: string | null;
  readonly model: string | null;
  readonly outcome: 'succeeded' | 'failed' | 'aborted';
  readonly errorCode: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The provider reported no usage (or the call was cut short), so the tokens were counted by Keel. */
  readonly tokensEstimated: boolean;
  readonly latencyMs: number;
  /** Streams only: from the call to its first output part, retries and fallbacks included. */
  readonly timeToFirstTokenMs: number | null;
  readonly attempts: number;
  readonly retries: number;
  readonly fallbacks: number;
  readonly cacheHit: boolean;
  /** From the configured price table; null when the deployment has no price. Cache hits cost 0. */
  readonly costUsd: number | null;
  /** 0 for a first ask; n for the n-th structured-output repair re-ask. */
  readonly repair: number;
  readonly createdAt: Date;
}

/** Receives every model call as it ends (metrics, the model-call store, the request's running total). */
export type ModelCallObserver = (call: ModelCallRecord) => void;
