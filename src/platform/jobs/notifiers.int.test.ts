import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNotifierContract } from '../../../test/contracts/notifier.contract.ts';
import { serverDatabaseUrl } from '../../../test/support/postgres.ts';
import { redisUrl } from '../../../test/support/redis.ts';
import { requires } from '../../../test/support/tiers.ts';
import { PostgresNotifier } from './postgres-notifier.ts';
import { RedisNotifier } from './redis-notifier.ts';

function postgresNotifier(pool: pg.Pool, errors: Error[] = []) {
  return new PostgresNotifier({
    pool,
    connect: async () =>
      new pg.Client({ connectionString: serverDatabaseUrl, application_name: 'keel-notifier-test' }),
    onError: (error) => errors.push(error),
  });
}

describe('PostgreSQL LISTEN/NOTIFY', requires('postgres'), () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: serverDatabaseUrl, max: 4 });
  });
  afterAll(async () => pool?.end());

  describeNotifierContract('PostgreSQL, two processes', async () => {
    const publisher = postgresNotifier(pool);
    const listener = postgresNotifier(pool);
    await Promise.all([publisher.start(), listener.start()]);
    return {
      publisher,
      listener,
      async close() {
        await publisher.close();
        await listener.close();
      },
    };
  });

  it('reconnects a listener whose connection was killed, and tells it to re-read', async () => {
    const errors: Error[] = [];
    const listener = postgresNotifier(pool, errors);
    const publisher = postgresNotifier(pool);
    await Promise.all([listener.start(), publisher.start()]);
    const received: (string | undefined)[] = [];
    listener.subscribe('keel_test_reconnect', (payload) => received.push(payload));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await pool.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'keel-notifier-test' and query ilike 'listen%'`,
    );
    await expect.poll(() => received.includes(undefined), { timeout: 10_000 }).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    publisher.publish('keel_test_reconnect', 'after-reconnect');
    await expect.poll(() => received.includes('after-reconnect'), { timeout: 10_000 }).toBe(true);
    await listener.close();
    await publisher.close();
  });
});

describe('Redis pub/sub', requires('redis'), () => {
  describeNotifierContract('Redis, two processes', async () => {
    const url = redisUrl ?? '';
    const publisher = new RedisNotifier({ url, onError: () => {} });
    const listener = new RedisNotifier({ url, onError: () => {} });
    await Promise.all([publisher.start(), listener.start()]);
    return {
      publisher,
      listener,
      async close() {
        await publisher.close();
        await listener.close();
      },
    };
  });
});
