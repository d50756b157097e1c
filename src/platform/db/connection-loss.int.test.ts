import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FaultProxy, startFaultProxy, targetOf } from '../../../test/support/fault-proxy.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { AppError } from '../errors/index.ts';
import { defineJobType, PgBossJobQueue } from '../jobs/index.ts';
import { isConnectionError } from './connection-errors.ts';
import { type Database, openDatabase } from './database.ts';
import { withStartupLock } from './migrate.ts';

const probeJob = defineJobType('test.connection-probe', z.object({ n: z.number() }));

/** What a caller sees when a query fails: the code, and whether it is retryable with a Retry-After. */
async function failureOf(
  work: Promise<unknown>,
): Promise<{ code: string; retryable: boolean; retryAfter?: string }> {
  try {
    await work;
  } catch (error) {
    if (!(error instanceof AppError)) return { code: `not an AppError: ${String(error)}`, retryable: false };
    return { code: error.code, retryable: error.retryable, retryAfter: error.headers?.['retry-after'] };
  }
  return { code: 'succeeded', retryable: false };
}

const unavailable = { code: 'DATABASE_UNAVAILABLE', retryable: true, retryAfter: '2' };

/** Retries `work` until it succeeds: the pool must reconnect by itself once the server is back. */
async function eventually<T>(work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('a PostgreSQL connection lost under Keel', requires('postgres'), () => {
  let scratch: TemporaryDatabase;
  let proxy: FaultProxy;
  let database: Database;
  const lost: Error[] = [];

  beforeAll(async () => {
    scratch = await createTemporaryDatabase();
    proxy = await startFaultProxy(targetOf(scratch.url, 5432));
    database = await openDatabase(
      { kind: 'postgres', url: proxy.urlFor(scratch.url) },
      { connectionLost: (error) => lost.push(error) },
    );
  });
  afterAll(async () => {
    await database?.close();
    await proxy?.close();
    await scratch?.drop();
  });

  // Each case holds a connection checked out of the pool, with no query running, when the server goes away:
  // node-postgres then emits `error` on that client, which crashed the process when nobody listened.
  const checkedOut: Array<[string, (idle: () => Promise<void>) => Promise<unknown>]> = [
    [
      'inside a transaction, between statements',
      (idle) =>
        database.db.transaction().execute(async (transaction) => {
          await sql`select 1`.execute(transaction);
          await idle();
          await sql`select 2`.execute(transaction);
        }),
    ],
    ['holding the startup advisory lock', (idle) => withStartupLock(database, idle)],
  ];

  it.each(checkedOut)('survives a cut %s and reconnects', async (_name, hold) => {
    lost.length = 0;
    await database.ping();
    const outcome = failureOf(
      hold(async () => {
        proxy.cut();
        // Let the socket's reset reach the client while no query is running on it.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }),
    );
    const failure = await outcome;
    // The lock holder's work itself succeeded; only the unlock (or the next statement) met the cut.
    expect(['DATABASE_UNAVAILABLE', 'succeeded']).toContain(failure.code);
    expect(lost.some((error) => isConnectionError(error))).toBe(true);
    await eventually(() => database.ping());
  });

  it('answers every query during an outage with a retryable 503, then recovers', async () => {
    await database.ping();
    await proxy.refuse();
    try {
      expect(await failureOf(database.ping())).toEqual(unavailable);
      expect(
        await failureOf(
          database.db
            .selectFrom('pg_class' as never)
            .selectAll()
            .execute(),
        ),
      ).toEqual(unavailable);
      expect(
        await failureOf(
          database.db.transaction().execute((transaction) => sql`select 1`.execute(transaction)),
        ),
      ).toEqual(unavailable);
    } finally {
      await proxy.restore();
    }
    await eventually(() => database.ping());
  });

  it('maps the job queue’s failures the same way', async () => {
    const queue = await PgBossJobQueue.start(database, {
      types: [probeJob],
      supervise: false,
      onError: () => {},
    });
    try {
      await proxy.refuse();
      try {
        expect(await failureOf(queue.send(probeJob, [{ payload: { n: 1 } }]))).toEqual(unavailable);
        expect(await failureOf(queue.depth(probeJob))).toEqual(unavailable);
      } finally {
        await proxy.restore();
      }
      await eventually(() => queue.send(probeJob, [{ payload: { n: 2 } }]));
      expect(await queue.depth(probeJob)).toBe(1);
    } finally {
      await queue.stop();
    }
  });

  it('is slow, not failing, when the network is slow', async () => {
    proxy.latency(100);
    try {
      await database.ping();
    } finally {
      proxy.latency(0);
    }
  });
});
