/** One capability invocation as the request log keeps it (read by feedback, the console and usage reports). */
export interface RequestRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly capability: string;
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
}

export interface RequestLogQuery {
  readonly capability?: string;
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
}
