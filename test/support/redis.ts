import { randomBytes } from 'node:crypto';

/**
 * Redis for integration tests, from REDIS_URL (`.ci/run` sets it). Each suite takes a fresh key prefix,
 * so runs never see each other's counters and nothing needs flushing.
 */
export const redisUrl = process.env.REDIS_URL;

export const skipWithoutRedis = redisUrl === undefined;
if (skipWithoutRedis) console.warn('[keel tests] REDIS_URL is not set: Redis suites are skipped');

export function uniqueRedisPrefix(): string {
  return `keel-test:${randomBytes(6).toString('hex')}:`;
}
