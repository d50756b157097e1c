import { randomUUID } from 'node:crypto';
import type { LimitStore, SlotDecision } from './limit-store.port.ts';
import { admits, describeDecision, type WindowDecision } from './sliding-window.ts';

interface Counter {
  readonly windowMs: number;
  window: number;
  current: number;
  previous: number;
}

/** One process's counters (the embedded default). `now` is injectable for tests. */
export class MemoryLimitStore implements LimitStore {
  readonly shared = false;
  readonly #now: () => number;
  readonly #windows = new Map<string, Counter>();
  readonly #slots = new Map<string, Map<string, number>>();
  readonly #totals = new Map<string, { value: number; expiresAt: number }>();
  #operations = 0;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowDecision> {
    const now = this.#now();
    const counter = this.#roll(key, now, windowMs);
    const state = {
      window: counter.window,
      elapsedMs: now - counter.window * windowMs,
      current: counter.current,
      previous: counter.previous,
    };
    const allowed = admits(state, windowMs, cost, limit);
    if (allowed) counter.current += cost;
    this.#sweep(now);
    return describeDecision(state, windowMs, cost, limit, allowed);
  }

  async adjust(key: string, window: number, windowMs: number, delta: number): Promise<void> {
    const counter = this.#roll(key, this.#now(), windowMs);
    if (counter.window === window) counter.current = Math.max(0, counter.current + delta);
    else if (counter.window === window + 1) counter.previous = Math.max(0, counter.previous + delta);
  }

  async acquire(key: string, limit: number, leaseMs: number): Promise<SlotDecision> {
    const now = this.#now();
    const slots = this.#slots.get(key) ?? new Map<string, number>();
    for (const [lease, expiresAt] of slots) if (expiresAt <= now) slots.delete(lease);
    if (slots.size >= limit) return { acquired: false, lease: undefined, active: slots.size };
    const lease = randomUUID();
    slots.set(lease, now + leaseMs);
    this.#slots.set(key, slots);
    return { acquired: true, lease, active: slots.size };
  }

  async renew(key: string, lease: string, leaseMs: number): Promise<void> {
    const slots = this.#slots.get(key);
    if (slots?.has(lease)) slots.set(lease, this.#now() + leaseMs);
  }

  async release(key: string, lease: string): Promise<void> {
    const slots = this.#slots.get(key);
    slots?.delete(lease);
    if (slots?.size === 0) this.#slots.delete(key);
  }

  async reserve(
    key: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<{ allowed: boolean; total: number }> {
    const total = await this.total(key);
    if (total >= limit || total + amount > limit) return { allowed: false, total };
    return { allowed: true, total: await this.add(key, amount, ttlMs) };
  }

  async add(key: string, delta: number, ttlMs: number): Promise<number> {
    const value = (await this.total(key)) + delta;
    this.#totals.set(key, { value, expiresAt: this.#now() + ttlMs });
    return value;
  }

  async total(key: string): Promise<number> {
    const entry = this.#totals.get(key);
    if (!entry) return 0;
    if (entry.expiresAt <= this.#now()) {
      this.#totals.delete(key);
      return 0;
    }
    return entry.value;
  }

  async close(): Promise<void> {}

  #roll(key: string, now: number, windowMs: number): Counter {
    const window = Math.floor(now / windowMs);
    const counter = this.#windows.get(key);
    if (!counter) {
      const fresh = { windowMs, window, current: 0, previous: 0 };
      this.#windows.set(key, fresh);
      return fresh;
    }
    if (counter.window === window - 1) {
      counter.previous = counter.current;
      counter.current = 0;
      counter.window = window;
    } else if (counter.window < window - 1) {
      counter.previous = 0;
      counter.current = 0;
      counter.window = window;
    }
    return counter;
  }

  /** Forgets idle counters now and then, so memory follows the active keys, not every key ever seen. */
  #sweep(now: number): void {
    this.#operations += 1;
    if (this.#operations % 10_000 !== 0) return;
    for (const [key, counter] of this.#windows) {
      // Two windows on, nothing is left to weigh.
      if (Math.floor(now / counter.windowMs) > counter.window + 1) this.#windows.delete(key);
    }
    for (const [key, slots] of this.#slots) {
      for (const [lease, expiresAt] of slots) if (expiresAt <= now) slots.delete(lease);
      if (slots.size === 0) this.#slots.delete(key);
    }
    for (const [key, entry] of this.#totals) if (entry.expiresAt <= now) this.#totals.delete(key);
  }
}
