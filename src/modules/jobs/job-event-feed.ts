import type { Notifier } from '../../platform/jobs/index.ts';
import type { JobEvent } from './job.types.ts';
import { TERMINAL_EVENT_TYPES } from './job.types.ts';
import { JOB_CHANNELS } from './queue-deliveries.ts';

/** What a feed delivers: an event with its id in its stream (1, 2, 3...) and its type. */
export interface FeedEvent {
  readonly id: number;
  readonly type: string;
}

/** Where a feed reads a stream's stored events (a job's, an agent run's); undefined: the stream is gone. */
export interface FeedEventSource<E extends FeedEvent> {
  events(
    tenantId: string,
    streamId: string,
    afterId: number,
    limit: number,
  ): Promise<readonly E[] | undefined>;
}

/** How a follow ended: the job reached a terminal event, the client left, the job vanished, or we stop. */
export type FollowEnd = 'finished' | 'closed' | 'gone' | 'shutdown';

interface Follower<E extends FeedEvent> {
  readonly tenantId: string;
  readonly jobId: string;
  after: number;
  readonly deliver: (events: readonly E[]) => Promise<void>;
  readonly end: (reason: FollowEnd) => void;
  pumping: boolean;
  dirty: boolean;
  ended: boolean;
}

export interface JobEventFeedOptions<E extends FeedEvent = JobEvent> {
  /** A `JobStore`, or another stream's events (an agent run's). */
  readonly store: FeedEventSource<E>;
  readonly notifier: Notifier;
  /** The channel naming a stream with new events (default: job events). */
  readonly channel?: string;
  /** The event types after which nothing follows (default: a job's terminal events). */
  readonly terminalTypes?: ReadonlySet<string>;
  /** Backstop re-read of every followed job, for notifications lost in transit. */
  readonly pollIntervalMs?: number;
  readonly pageSize?: number;
}

/**
 * Live delivery of job events to SSE and WebSocket clients in this process. A follower replays history
 * after its cursor, then re-reads whenever a notification names its job (from any process), so what it
 * delivers is always the stored, ordered sequence: no gap, no duplicate, whatever the notifications did.
 * Agent runs follow their events the same way (another source, channel and set of terminal types).
 */
export class JobEventFeed<E extends FeedEvent = JobEvent> {
  readonly #store: FeedEventSource<E>;
  readonly #notifier: Notifier;
  readonly #channel: string;
  readonly #terminalTypes: ReadonlySet<string>;
  readonly #pageSize: number;
  readonly #pollIntervalMs: number;
  readonly #followers = new Map<string, Set<Follower<E>>>();
  #unsubscribe: (() => void) | undefined;
  #poll: NodeJS.Timeout | undefined;

  constructor(options: JobEventFeedOptions<E>) {
    this.#store = options.store;
    this.#notifier = options.notifier;
    this.#channel = options.channel ?? JOB_CHANNELS.events;
    this.#terminalTypes = options.terminalTypes ?? TERMINAL_EVENT_TYPES;
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
    deliver: (events: readonly E[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<FollowEnd> {
    this.#start();
    return new Promise<FollowEnd>((resolve) => {
      const follower: Follower<E> = {
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
    this.#unsubscribe = this.#notifier.subscribe(this.#channel, (jobId) => {
      if (jobId === undefined) this.#pumpAll();
      else for (const follower of this.#followers.get(jobId) ?? []) void this.#pump(follower);
    });
    this.#poll = setInterval(() => this.#pumpAll(), this.#pollIntervalMs);
    this.#poll.unref();
  }

  #pumpAll(): void {
    for (const set of this.#followers.values()) for (const follower of set) void this.#pump(follower);
  }

  async #pump(follower: Follower<E>): Promise<void> {
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
        if (events.length < this.#pageSize && last && this.#terminalTypes.has(last.type)) {
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
