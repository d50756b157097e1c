export interface WriteBehindOptions<T = unknown> {
  /** Flush as soon as this many records wait. */
  readonly maxBatch?: number;
  /** Flush at most this long after the first waiting record. */
  readonly flushIntervalMs?: number;
  /** A batch is kept and retried on the next flush this many times before it is dropped. */
  readonly maxAttempts?: number;
  /** The store failed on every part of a batch (an outage, most likely): kept for a retry, or dropped. */
  readonly onError?: (error: unknown, records: number, dropped: boolean) => void;
  /**
   * One record failed alone while the rest of its batch was stored: it is poisoned, not the store down.
   * `salvaged` says whether its `salvage` form was stored instead; either way it is never retried.
   */
  readonly onQuarantine?: (error: unknown, record: T, salvaged: boolean) => void;
  /**
   * A storable stand-in for a poisoned record (its text made safe, its payload left out), tried once; the
   * accounting it carries (ids, cost) then survives. Undefined: the record is quarantined without one.
   */
  readonly salvage?: (record: T) => T;
  /**
   * Whether an error is about the records (a value the store cannot take), not the store: such a failure
   * proves the store is up, so the record failing alone is quarantined even when nothing else was stored.
   * Without it, only a stored part of the same batch tells poisoned records from an outage.
   */
  readonly isRecordError?: (error: unknown) => boolean;
}

interface Isolation<T> {
  stored: number;
  /** Failures not known to be about the records: with nothing stored, they point to an outage. */
  failures: number;
  /** A failure was about a record, so the store answered. */
  storeUp: boolean;
  readonly unstored: T[];
  readonly suspects: Array<{ readonly record: T; readonly error: unknown }>;
}

/**
 * Writes records behind the response: `write` only queues; one `append` per batch (a multi-row insert)
 * happens off the request's critical path, at most `flushIntervalMs` later.
 *
 * A failed batch never takes good records with it (decision 0125): it is split in halves, depth first,
 * until each failing part is a single record. Once any part is stored, the store is up, so a record that
 * still fails alone (or fails with an error `isRecordError` recognises) is poisoned: it is quarantined (reported, its `salvage` form tried once), never
 * retried. When no part is stored (an outage), the descent stops after one path to a single record and the
 * batch is kept and retried (ten intervals later, with whatever arrived meanwhile) up to `maxAttempts`,
 * then dropped and reported. `close()` flushes what is left (graceful shutdown calls it).
 */
export class WriteBehindBatcher<T> {
  readonly #append: (records: readonly T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #flushIntervalMs: number;
  readonly #maxAttempts: number;
  readonly #onError: NonNullable<WriteBehindOptions<T>['onError']>;
  readonly #onQuarantine: NonNullable<WriteBehindOptions<T>['onQuarantine']>;
  readonly #salvage: WriteBehindOptions<T>['salvage'];
  readonly #isRecordError: NonNullable<WriteBehindOptions<T>['isRecordError']>;
  #waiting: T[] = [];
  #retrying: { records: T[]; attempts: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(append: (records: readonly T[]) => Promise<void>, options: WriteBehindOptions<T> = {}) {
    this.#append = append;
    this.#maxBatch = options.maxBatch ?? 200;
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#onError = options.onError ?? (() => {});
    this.#onQuarantine = options.onQuarantine ?? (() => {});
    this.#salvage = options.salvage;
    this.#isRecordError = options.isRecordError ?? (() => false);
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
    let firstError: unknown;
    try {
      await this.#append(records);
      return;
    } catch (error) {
      firstError = error;
    }
    const isolation: Isolation<T> = {
      stored: 0,
      failures: this.#isRecordError(firstError) ? 0 : 1,
      storeUp: this.#isRecordError(firstError),
      unstored: [],
      suspects: [],
    };
    if (records.length > 1) {
      // Enough failures to reach one record down a single path; past that with nothing stored, the store is down.
      const outageAfter = Math.ceil(Math.log2(records.length)) + 2;
      await this.#isolate(records, isolation, outageAfter);
    } else {
      isolation.suspects.push({ record: records[0] as T, error: firstError });
    }
    const storeUp = isolation.stored > 0 || isolation.storeUp;
    if (storeUp) {
      for (const { record, error } of isolation.suspects) await this.#quarantine(record, error);
      if (isolation.unstored.length === 0) return;
    }
    const unstored = storeUp
      ? isolation.unstored
      : [...isolation.suspects.map((suspect) => suspect.record), ...isolation.unstored];
    const attempts = (previous?.attempts ?? 0) + 1;
    const dropped = attempts >= this.#maxAttempts;
    this.#onError(firstError, unstored.length, dropped);
    if (!dropped) {
      this.#retrying = { records: unstored, attempts };
      this.#timer ??= setTimeout(() => void this.flush(), this.#flushIntervalMs * 10);
      this.#timer.unref();
    }
  }

  /** Splits a failed part in halves and stores what it can; single records that fail become suspects. */
  async #isolate(part: T[], isolation: Isolation<T>, outageAfter: number): Promise<void> {
    const middle = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, middle), part.slice(middle)]) {
      if (half.length === 0) continue;
      if (isolation.stored === 0 && !isolation.storeUp && isolation.failures >= outageAfter) {
        isolation.unstored.push(...half);
        continue;
      }
      try {
        await this.#append(half);
        isolation.stored += half.length;
      } catch (error) {
        if (this.#isRecordError(error)) isolation.storeUp = true;
        else isolation.failures += 1;
        if (half.length === 1) isolation.suspects.push({ record: half[0] as T, error });
        else await this.#isolate(half, isolation, outageAfter);
      }
    }
  }

  async #quarantine(record: T, error: unknown): Promise<void> {
    let salvaged = false;
    if (this.#salvage) {
      try {
        await this.#append([this.#salvage(record)]);
        salvaged = true;
      } catch {
        // The stand-in failed too: the record is reported below, without a stored trace.
      }
    }
    this.#onQuarantine(error, record, salvaged);
  }
}
