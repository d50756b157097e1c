export interface WriteBehindOptions {
  /** Flush as soon as this many records wait. */
  readonly maxBatch?: number;
  /** Flush at most this long after the first waiting record. */
  readonly flushIntervalMs?: number;
  /** A batch is kept and retried on the next flush this many times before it is dropped. */
  readonly maxAttempts?: number;
  readonly onError?: (error: unknown, records: number, dropped: boolean) => void;
}

/**
 * Writes records behind the response: `write` only queues; one `append` per batch (a multi-row insert)
 * happens off the request's critical path, at most `flushIntervalMs` later. A failed batch is kept and
 * retried (ten intervals later, with whatever arrived meanwhile) up to `maxAttempts`, then dropped and
 * reported. `close()` flushes what is left (graceful shutdown calls it).
 */
export class WriteBehindBatcher<T> {
  readonly #append: (records: readonly T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #onError: NonNullable<WriteBehindOptions['onError']>;
  #waiting: T[] = [];
  #retrying: { records: T[]; attempts: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(append: (records: readonly T[]) => Promise<void>, options: WriteBehindOptions = {}) {
    this.#append = append;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onError = options.onError ?? (() => {});
  }

  /** Queues one record (bound: usable as a callback, e.g. a gateway observer). */
  readonly write = (record: T): void => {
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
      await this.#append(records);
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
