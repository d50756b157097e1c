import { describe, expect, it } from 'vitest';
import { describeLimitStoreContract } from '../../../test/contracts/limit-store.contract.ts';
import { redisUrl, uniqueRedisPrefix } from '../../../test/support/redis.ts';
import { requires } from '../../../test/support/tiers.ts';
import { RedisLimitStore } from './redis-limit-store.ts';

async function connected(prefix = uniqueRedisPrefix()): Promise<RedisLimitStore> {
  const store = new RedisLimitStore({ url: redisUrl ?? '', prefix });
  await store.connect();
  return store;
}

describe('RedisLimitStore', requires('redis'), () => {
  describeLimitStoreContract('Redis', () => connected());

  it('shares one count between stores (processes) with the same prefix', async () => {
    const prefix = uniqueRedisPrefix();
    const [first, second] = [await connected(prefix), await connected(prefix)];
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? first : second).consume('rpm:shared', 1, 7, 60_000),
        ),
      );
      expect(results.filter((result) => result.allowed)).toHaveLength(7);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('fails fast, not forever, when Redis is unreachable', async () => {
    const store = new RedisLimitStore({ url: 'redis://127.0.0.1:1', prefix: 'x:' });
    await expect(store.connect()).rejects.toThrow();
    await expect(store.consume('k', 1, 1, 1_000)).rejects.toThrow();
    await store.close();
  });
});
