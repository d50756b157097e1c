import type { ModelCallRecord } from './model-call.ts';
import type { ModelCallStore } from './model-call-store.port.ts';

export interface ModelCallWriterOptions {
  /** Flush as soon as this many records wait. */
  readonly maxBatch?: number;
  /** Flush at most this long after the first waiting record. */
  readonly flushIntervalMs?: number;
  /** A batch is kept and retried on the next flush this many times before it is dropped. */
  readonly maxAttempts?: number;
  readonly onError?: (error: unknown, records: number, dropped: boolean) => void;
}

/**
 * Writes model calls behind the response, in batches (one multi-row insert instead of one insert per
 * call on the critical path), like the request log. `close()` flushes what is left.
 */
export class ModelCallWriter {
  readonly #store: ModelCallStore;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #onError: NonNullable<ModelCallWriterOptions['onError']>;
  #waiting: ModelCallRecord[] = [];
  #retrying: { records: ModelCallRecord[]; attempts: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: ModelCallStore, options: ModelCallWriterOptions = {}) {
    this.#store = store;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onError = options.onError ?? (() => {});
  }

  /** An observer for the gateway: every model call ends up in the store. */
  readonly write = (record: ModelCallRecord): void => {
    this.#waiting.push(record);
    if (this.#waiting.length >= this.#maxBatch) {
      void this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushIntervalMs);
      this.#timer.unref();
    }
  };

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
