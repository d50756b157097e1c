import type { ResponseCacheStore } from './response-cache.port.ts';

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/** In-process cache: a Map in least-recently-used order, bounded in entries, expiring on read. */
export class MemoryResponseCache implements ResponseCacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    // Re-inserting moves the key to the end: Map keeps insertion order, so the first key is the coldest.
    this.#entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const coldest = this.#entries.keys().next().value;
      if (coldest === undefined) break;
      this.#entries.delete(coldest);
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
