import type { RequestLogStore, RequestRecord } from './request-log.port.ts';

export interface RequestLogWriterOptions {
  /** Flush as soon as this many records wait. */
  readonly maxBatch?: number;
  /** Flush at most this long after the first waiting record. */
  readonly flushIntervalMs?: number;
  /** A batch is kept and retried on the next flush this many times before it is dropped. */
  readonly maxAttempts?: number;
  readonly onError?: (error: unknown, records: number, dropped: boolean) => void;
}

/**
 * Writes the request log behind the response: one multi-row insert per batch instead of one insert on
 * every request's critical path. `close()` flushes what is left (graceful shutdown calls it).
 */
export class RequestLogWriter {
  readonly #store: RequestLogStore;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #onError: NonNullable<RequestLogWriterOptions['onError']>;
  #waiting: RequestRecord[] = [];
  #retrying: { records: RequestRecord[]; attempts: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: RequestLogStore, options: RequestLogWriterOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onError = options.onError ?? (() => {});
  }

  write(record: RequestRecord): void {
    this.#waiting.push(record);
    if (this.#waiting.length >= this.#maxBatch) {
      void this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Resolves once everything written before the call has been stored (or given up on). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  async #flushOnce(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const previous = this.#retrying;
    const records = [...(previous?.records ?? []), ...this.#waiting];
    this.#waiting = [];
    this.#retrying = undefined;
    if (records.length === 0) return;
    try {
      await this.#store.append(records);
    } catch (error) {
      const attempts = (previous?.attempts ?? 0) + 1;
      const dropped = attempts >= this.#maxAttempts;
      this.#onError(error, records.length, dropped);
      if (!dropped) {
        this.#retrying = { records, attempts };
        this.#timer ??= setTimeout(() => void this.flush(), this.#flushIntervalMs * 10);
        this.#timer.unref();
      }
    }
  }
}
