import type { Notifier } from '../../platform/jobs/index.ts';
import type { JobEvent } from './job.types.ts';
import { TERMINAL_EVENT_TYPES } from './job.types.ts';
import type { JobRecordStore } from './job-store.port.ts';
import { JOB_CHANNELS } from './queue-deliveries.ts';

/** How a follow ended: the job reached a terminal event, the client left, the job vanished, or we stop. */
export type FollowEnd = 'finished' | 'closed' | 'gone' | 'shutdown';

interface Follower {
  readonly tenantId: string;
  readonly jobId: string;
  after: number;
  readonly deliver: (events: readonly JobEvent[]) => Promise<void>;
  readonly end: (reason: FollowEnd) => void;
  pumping: boolean;
  dirty: boolean;
  ended: boolean;
}

export interface JobEventFeedOptions {
  readonly store: Pick<JobRecordStore, 'events'>;
  readonly notifier: Notifier;
  /** Backstop re-read of every followed job, for notifications lost in transit. */
  readonly pollIntervalMs?: number;
  readonly pageSize?: number;
}

/**
 * Live delivery of job events to SSE and WebSocket clients in this process. A follower replays history
 * after its cursor, then re-reads whenever a notification names its job (from any process), so what it
 * delivers is always the stored, ordered sequence: no gap, no duplicate, whatever the notifications did.
 */
export class JobEventFeed {
  readonly #store: Pick<JobRecordStore, 'events'>;
  readonly #notifier: Notifier;
  readonly #pageSize: number;
  readonly #pollIntervalMs: number;
  readonly #followers = new Map<string, Set<Follower>>();
  #unsubscribe: (() => void) | undefined;
  #poll: NodeJS.Timeout | undefined;

  constructor(options: JobEventFeedOptions) {
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#pageSize = options.pageSize ?? 500;
    this.#pollIntervalMs = options.pollIntervalMs ?? 2_000;
  }

  /** Followers open right now. */
  get size(): number {
    let count = 0;
    for (const set of this.#followers.values()) count += set.size;
    return count;
  }

  /**
   * Delivers the job's events after `afterId` in order, each batch awaited (backpressure), until a terminal
   * event is delivered and nothing follows it, the signal aborts, or the feed closes.
   */
  follow(
    tenantId: string,
    jobId: string,
    afterId: number,
    deliver: (events: readonly JobEvent[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<FollowEnd> {
    this.#start();
    return new Promise<FollowEnd>((resolve) => {
      const follower: Follower = {
        tenantId,
        jobId,
        after: afterId,
        deliver,
        pumping: false,
        dirty: false,
        ended: false,
        end: (reason) => {
          if (follower.ended) return;
          follower.ended = true;
          signal.removeEventListener('abort', onAbort);
          const set = this.#followers.get(jobId);
          set?.delete(follower);
          if (set?.size === 0) this.#followers.delete(jobId);
          resolve(reason);
        },
      };
      const onAbort = () => follower.end('closed');
      if (signal.aborted) return resolve('closed');
      signal.addEventListener('abort', onAbort, { once: true });
      let set = this.#followers.get(jobId);
      if (!set) {
        set = new Set();
        this.#followers.set(jobId, set);
      }
      set.add(follower);
      void this.#pump(follower);
    });
  }

  /** Ends every follower with `shutdown` (their clients reconnect elsewhere with their last event id). */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    for (const set of [...this.#followers.values()])
      for (const follower of [...set]) follower.end('shutdown');
  }

  #start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#notifier.subscribe(JOB_CHANNELS.events, (jobId) => {
      if (jobId === undefined) this.#pumpAll();
      else for (const follower of this.#followers.get(jobId) ?? []) void this.#pump(follower);
    });
    this.#poll = setInterval(() => this.#pumpAll(), this.#pollIntervalMs);
    this.#poll.unref();
  }

  #pumpAll(): void {
    for (const set of this.#followers.values()) for (const follower of set) void this.#pump(follower);
  }

  async #pump(follower: Follower): Promise<void> {
    if (follower.pumping) {
      follower.dirty = true;
      return;
    }
    follower.pumping = true;
    try {
      for (;;) {
        follower.dirty = false;
        const events = await this.#store.events(
          follower.tenantId,
          follower.jobId,
          follower.after,
          this.#pageSize,
        );
        if (follower.ended) return;
        if (events === undefined) return follower.end('gone');
        if (events.length > 0) {
          await follower.deliver(events);
          follower.after = events.at(-1)?.id ?? follower.after;
          if (follower.ended) return;
        }
        const last = events.at(-1);
        if (events.length < this.#pageSize && last && TERMINAL_EVENT_TYPES.has(last.type)) {
          return follower.end('finished');
        }
        if (events.length < this.#pageSize && !follower.dirty) return;
      }
    } catch {
      // A failed read or write: the client is gone or the database is; either way this follow is over.
      follower.end('closed');
    } finally {
      follower.pumping = false;
    }
  }
}
