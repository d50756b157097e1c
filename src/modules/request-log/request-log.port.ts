/**
 * One request as the request log keeps it: every authenticated request (who, which route, status,
 * latency), with the capability call's input, output and model usage when it made one. Read by feedback,
 * the console and usage reports.
 */
export interface RequestRecord {
  readonly id: string;
  readonly tenantId: string;
  /** Null for requests that did not invoke a capability. */
  readonly capability: string | null;
  readonly outcome: 'succeeded' | 'failed' | 'aborted';
  readonly httpStatus: number;
  readonly errorCode: string | null;
  readonly models: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly latencyMs: number;
  readonly input: unknown;
  readonly output: unknown;
  readonly createdAt: Date;
  /** The API key's public id (`admin` for the bootstrap key); null when auth is open. Added by the HTTP log. */
  readonly apiKeyId?: string | null;
  readonly method?: string | null;
  /** The route pattern, e.g. `/v1/requests/:id`. */
  readonly route?: string | null;
  /** Model cost in USD, from the price table; 0 when unpriced or no model was called. */
  readonly costUsd?: number;
  readonly traceId?: string | null;
  /** The capability variant that served (`summarize@3`); null without one. */
  readonly variant?: string | null;
  /** Guardrail decisions of the call (policy, stage, action, kinds found, how many spans); never the text. */
  readonly guardrails?: readonly GuardrailRecord[];
}

export interface GuardrailRecord {
  readonly policy: string;
  readonly stage: string;
  readonly action: string;
  readonly kinds: readonly string[];
  readonly count: number;
}

export interface RequestLogQuery {
  readonly capability?: string;
  /**
   * Only records with guardrail decisions; with any of `policy`, `stage`, `action`, only those with one
   * decision that has them all (an empty object: any decision).
   */
  readonly guardrail?: {
    readonly policy?: string;
    readonly stage?: string;
    readonly action?: string;
  };
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface RequestLogPage {
  readonly items: readonly RequestRecord[];
  readonly nextCursor: string | null;
}

/** Storage port of the request log. Every read is scoped by tenant in the query itself. */
export interface RequestLogStore {
  append(records: readonly RequestRecord[]): Promise<void>;
  get(tenantId: string, id: string): Promise<RequestRecord | undefined>;
  list(tenantId: string, query: RequestLogQuery): Promise<RequestLogPage>;
  /**
   * Model cost (USD) a key spent since `since`, summed from its records; `apiKeyId` null sums keyless
   * (open, local) requests. Budgets use it to start from what was already spent after a restart.
   */
  spendSince(apiKeyId: string | null, since: Date): Promise<number>;
  /** Retention: deletes every tenant's records created before `cutoff`; returns how many. */
  deleteOlderThan(cutoff: Date): Promise<number>;
}
