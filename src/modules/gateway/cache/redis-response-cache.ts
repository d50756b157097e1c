import type { Redis } from 'ioredis';
import type { ResponseCacheStore } from './response-cache.port.ts';

/** The cache shared by every Keel process: one Redis string per entry, expiring with PX. */
export class RedisResponseCache implements ResponseCacheStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #onError: (error: unknown) => void;

  constructor(redis: Redis, options: { prefix?: string; onError?: (error: unknown) => void } = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'keel:model-cache:';
    this.#onError = options.onError ?? (() => {});
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.#redis.get(this.#prefix + key)) ?? undefined;
    } catch (error) {
      this.#onError(error);
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.#redis.set(this.#prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (error) {
      this.#onError(error);
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
