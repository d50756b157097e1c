import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ioredisDriver } from '../../platform/redis/index.ts';
import type { LimitStore, SlotDecision } from './limit-store.port.ts';
import { describeDecision, type WindowDecision } from './sliding-window.ts';

// Every script reads Redis's own clock (TIME), so processes with skewed clocks still agree on windows.
const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

const CONSUME = `${NOW}
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local window = math.floor(now / windowMs)
local elapsed = now - window * windowMs
local currentKey = KEYS[1] .. ':' .. window
local current = tonumber(redis.call('GET', currentKey) or '0')
local previous = tonumber(redis.call('GET', KEYS[1] .. ':' .. (window - 1)) or '0')
local allowed = 0
if cost <= limit and previous * (windowMs - elapsed) / windowMs + current + cost <= limit then
  redis.call('INCRBY', currentKey, cost)
  redis.call('PEXPIRE', currentKey, windowMs * 2 + 1000)
  allowed = 1
end
return { allowed, window, elapsed, current, previous }`;

const ADJUST = `if redis.call('EXISTS', KEYS[1]) == 1 then
  local value = redis.call('INCRBY', KEYS[1], ARGV[1])
  if value < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
end
return 1`;

const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
if active >= tonumber(ARGV[1]) then return { 0, active } end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return { 1, active + 1 }`;

const RENEW = `${NOW}
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2]) >= 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
end
return 1`;

const RESERVE = `local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if total >= limit or total + amount > limit then return { 0, total } end
total = redis.call('INCRBY', KEYS[1], amount)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { 1, total }`;

const ADD = `local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total`;

type ScriptCall = (key: string, ...args: Array<string | number>) => Promise<unknown>;

interface ScriptedRedis {
  keelConsume: ScriptCall;
  keelAdjust: ScriptCall;
  keelAcquire: ScriptCall;
  keelRenew: ScriptCall;
  keelReserve: ScriptCall;
  keelAdd: ScriptCall;
}

export interface RedisLimitStoreOptions {
  readonly url: string;
  /** Namespaces every key, so deployments (or test runs) can share one Redis. */
  readonly prefix: string;
}

/**
 * Limits shared by every Keel process on one Redis. Each operation is a single Lua script, so a decision
 * and its increment are atomic; commands fail fast when Redis is unreachable (no offline queue) and the
 * caller fails closed.
 */
export class RedisLimitStore implements LimitStore {
  readonly shared = true;
  readonly redis: Redis;
  readonly #prefix: string;
  readonly #scripts: ScriptedRedis;

  constructor(options: RedisLimitStoreOptions) {
    this.redis = new (ioredisDriver().Redis)(options.url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
      lazyConnect: true,
    });
    // Connection errors surface on the commands that fail; the event must still be handled.
    this.redis.on('error', () => {});
    this.#prefix = options.prefix;
    for (const [name, lua] of Object.entries({
      keelConsume: CONSUME,
      keelAdjust: ADJUST,
      keelAcquire: ACQUIRE,
      keelRenew: RENEW,
      keelReserve: RESERVE,
      keelAdd: ADD,
    })) {
      this.redis.defineCommand(name, { lua, numberOfKeys: 1 });
    }
    this.#scripts = this.redis as unknown as ScriptedRedis;
  }

  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** `prefix{name}`: the hash tag keeps a key's windows on one cluster slot. */
  #key(name: string): string {
    return `${this.#prefix}{${name}}`;
  }

  async consume(key: string, cost: number, limit: number, windowMs: number): Promise<WindowDecision> {
    const [allowed, window, elapsedMs, current, previous] = (await this.#scripts.keelConsume(
      this.#key(key),
      Math.ceil(cost),
      limit,
      windowMs,
    )) as number[];
    return describeDecision(
      {
        window: Number(window),
        elapsedMs: Number(elapsedMs),
        current: Number(current),
        previous: Number(previous),
      },
      windowMs,
      Math.ceil(cost),
      limit,
      allowed === 1,
    );
  }

  async adjust(key: string, window: number, _windowMs: number, delta: number): Promise<void> {
    const rounded = Math.round(delta);
    if (rounded === 0) return;
    await this.#scripts.keelAdjust(`${this.#key(key)}:${window}`, rounded);
  }

  async acquire(key: string, limit: number, leaseMs: number): Promise<SlotDecision> {
    const lease = randomUUID();
    const [acquired, active] = (await this.#scripts.keelAcquire(
      this.#key(key),
      limit,
      leaseMs,
      lease,
    )) as number[];
    return acquired === 1
      ? { acquired: true, lease, active: Number(active) }
      : { acquired: false, lease: undefined, active: Number(active) };
  }

  async renew(key: string, lease: string, leaseMs: number): Promise<void> {
    await this.#scripts.keelRenew(this.#key(key), leaseMs, lease);
  }

  async release(key: string, lease: string): Promise<void> {
    await this.redis.zrem(this.#key(key), lease);
  }

  async reserve(
    key: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<{ allowed: boolean; total: number }> {
    const [allowed, total] = (await this.#scripts.keelReserve(
      this.#key(key),
      Math.round(amount),
      Math.floor(limit),
      Math.ceil(ttlMs),
    )) as number[];
    return { allowed: allowed === 1, total: Number(total) };
  }

  async add(key: string, delta: number, ttlMs: number): Promise<number> {
    return Number(await this.#scripts.keelAdd(this.#key(key), Math.round(delta), Math.ceil(ttlMs)));
  }

  async total(key: string): Promise<number> {
    return Number((await this.redis.get(this.#key(key))) ?? 0);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
