import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResponseCacheContract } from '../../../../test/contracts/response-cache.contract.ts';
import { requires } from '../../../../test/support/tiers.ts';
import { MemoryResponseCache } from './memory-response-cache.ts';
import { RedisResponseCache } from './redis-response-cache.ts';

const redisUrl = process.env.REDIS_URL;

describeResponseCacheContract('memory', async () => new MemoryResponseCache({ maxEntries: 100 }));

describe('MemoryResponseCache', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = new MemoryResponseCache({ maxEntries: 2 });
    await cache.set('a', '1', 60_000);
    await cache.set('b', '2', 60_000);
    await cache.get('a');
    await cache.set('c', '3', 60_000);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('1');
    expect(cache.size).toBe(2);
  });
});

describe('RedisResponseCache', requires('redis'), () => {
  let redis: Redis;
  const prefix = `keel-test:${Math.random().toString(36).slice(2)}:`;
  beforeAll(() => {
    redis = new Redis(redisUrl ?? '', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  describeResponseCacheContract('Redis', async () => new RedisResponseCache(redis, { prefix }));

  it('answers a miss, never an error, when Redis is unreachable', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const errors: unknown[] = [];
    const cache = new RedisResponseCache(down, { onError: (error) => errors.push(error) });
    await cache.set('k', 'v', 1_000);
    expect(await cache.get('k')).toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
    down.disconnect();
  });
});
