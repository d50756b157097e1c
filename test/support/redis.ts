import { randomBytes } from 'node:crypto';
import { lacks } from './tiers.ts';

/**
 * Redis for integration tests, from REDIS_URL (`.ci/run` sets it; the suite's global
 * setup sets it when Redis answers on 127.0.0.1:6379). Each suite takes a fresh key prefix,
 * so runs never see each other's counters and nothing needs flushing.
 */
export const redisUrl = process.env.REDIS_URL;

/** Prefer `requires('redis')` from tiers.ts on a suite: it records why the suite skipped. */
export const skipWithoutRedis = lacks('redis');

export function uniqueRedisPrefix(): string {
  return `keel-test:${randomBytes(6).toString('hex')}:`;
}
