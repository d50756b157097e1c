import type { ModelCallRecord } from './model-call.ts';

export interface ModelCallQuery {
  /** Only the calls made for this request. */
  readonly requestId?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface ModelCallPage {
  readonly items: readonly ModelCallRecord[];
  readonly nextCursor: string | null;
}

/** Storage port of model-call accounting. Every read is scoped by tenant in the query itself. */
export interface ModelCallStore {
  /** Idempotent on the call id: a retried batch does not duplicate rows. */
  append(records: readonly ModelCallRecord[]): Promise<void>;
  /** Newest first. */
  list(tenantId: string, query: ModelCallQuery): Promise<ModelCallPage>;
  /**
   * Model cost (USD) of a subject's calls since `since` (every tenant: a key's budget is the key's). A
   * budget's in-process counter starts from it after a restart: this record is kept whatever becomes of
   * the request log's rows (decision 0127).
   */
  spendSince(subject: string, since: Date): Promise<number>;
}
