import type { WindowDecision } from './sliding-window.ts';

export interface SlotDecision {
  readonly acquired: boolean;
  /** Identifies the slot to renew and release; undefined when not acquired. */
  readonly lease: string | undefined;
  /** Slots held after the call. */
  readonly active: number;
}

/**
 * Counters limits are enforced with. The in-memory adapter serves one process; the Redis adapter makes
 * several processes share every count (each operation is one atomic script, timed by Redis's clock).
 * Keys are plain names (`rpm:<subject>`); adapters namespace them.
 */
export interface LimitStore {
  readonly shared: boolean;
  /** Counts `cost` in a sliding window of `windowMs` unless that would exceed `limit`. */
  consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowDecision>;
  /** Corrects an earlier consumption (an estimate settled to the real figure); `delta` may be negative. */
  adjust(key: string, window: number, windowMs: number, delta: number): Promise<void>;
  /** Takes one of `limit` concurrent slots, each held for `leaseMs` unless renewed. */
  acquire(key: string, limit: number, leaseMs: number): Promise<SlotDecision>;
  renew(key: string, lease: string, leaseMs: number): Promise<void>;
  release(key: string, lease: string): Promise<void>;
  /** Adds `amount` to a running total unless the total is already at `limit` or would pass it. */
  reserve(
    key: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<{ allowed: boolean; total: number }>;
  /** Adds `delta` (may be negative) to a running total and returns it. */
  add(key: string, delta: number, ttlMs: number): Promise<number>;
  total(key: string): Promise<number>;
  close(): Promise<void>;
}
