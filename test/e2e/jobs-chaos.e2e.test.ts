import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { type KeelWorkerProcess, startKeelWorker } from '../support/keel-worker.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { requires } from '../support/tiers.ts';

/**
 * R2, durability: 1,000 jobs, a worker killed with SIGKILL in the middle, a new one started. Every job must
 * end in a terminal state, none lost, and no effect applied twice: the `chaos` capability applies one
 * effect per job, keyed by job id + step, inside a journaled step.
 */

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/jobs.keel.config.ts');
const JOBS = 1_000;

describe('chaos: a worker killed with SIGKILL during 1,000 jobs', requires('postgres'), () => {
  let temporary: TemporaryDatabase;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let client: pg.Client;
  let api: KeelProcess;
  const workers: KeelWorkerProcess[] = [];
  let environment: Record<string, string>;

  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    directory = await temporaryDirectory();
    client = new pg.Client({ connectionString: temporary.url });
    await client.connect();
    await client.query('create table chaos_effect (key text primary key, n integer not null)');
    await client.query('create table chaos_execution (key text not null, pid integer not null)');
    environment = {
      KEEL_CONFIG: CONFIG,
      DATABASE_URL: temporary.url,
      KEEL_JOB_LEASE_MS: '1500',
      KEEL_WORKER_CONCURRENCY: '8',
      LOG_LEVEL: 'warn',
    };
    api = await startKeel({ ...environment, KEEL_API_WORKERS: 'off', LOG_LEVEL: 'info' }, directory.path);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop();
    await api?.stop();
    await client?.end();
    await temporary?.drop();
    await directory?.remove();
  });

  async function count(sql: string): Promise<number> {
    const { rows } = await client.query<{ count: string }>(sql);
    return Number(rows[0]?.count ?? 0);
  }

  it('loses no job and applies no effect twice', { timeout: 120_000 }, async () => {
    // Enqueue through the API, 25 requests at a time, while the first worker is already draining the queue.
    workers.push(await startKeelWorker({ ...environment, LOG_LEVEL: 'info' }, directory.path));
    let next = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next < JOBS) {
          const n = next++;
          const response = await fetch(`${api.url}/v1/chaos/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ n, sleepMs: 40 }),
          });
          expect(response.status).toBe(202);
        }
      }),
    );
    expect(await count('select count(*) from job')).toBe(JOBS);

    // Kill the worker mid-run, while it holds attempts.
    await expect
      .poll(() => count(`select count(*) from job where status = 'succeeded'`), {
        timeout: 60_000,
        interval: 20,
      })
      .toBeGreaterThanOrEqual(250);
    await expect
      .poll(() => count(`select count(*) from job where status = 'running'`), {
        timeout: 10_000,
        interval: 5,
      })
      .toBeGreaterThan(0);
    const [victim] = workers;
    expect(await victim?.kill()).toBeNull();
    expect(victim?.child.signalCode).toBe('SIGKILL');
    const runningAtKill = await count(`select count(*) from job where status = 'running'`);
    const succeededAtKill = await count(`select count(*) from job where status = 'succeeded'`);
    expect(succeededAtKill).toBeLessThan(JOBS);

    workers.push(await startKeelWorker({ ...environment, LOG_LEVEL: 'info' }, directory.path));
    await expect
      .poll(() => count(`select count(*) from job where status in ('succeeded', 'failed', 'cancelled')`), {
        timeout: 90_000,
        interval: 100,
      })
      .toBe(JOBS);

    // Every job terminal, and every one succeeded.
    expect(await count(`select count(*) from job where status = 'succeeded'`)).toBe(JOBS);
    // The killed worker's attempts were recovered through its lapsed lease, and counted.
    const lost = await count(
      `select count(distinct job_id) from job_event where type = 'job-requeued' and data->>'reason' = 'worker-lost'`,
    );
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThanOrEqual(runningAtKill + 8);
    expect(await count(`select count(*) from job where attempts > 1`)).toBe(lost);
    // Each effect exactly once, for exactly the jobs there are.
    expect(await count('select count(*) from chaos_effect')).toBe(JOBS);
    expect(
      await count(`select count(*) from chaos_effect e join job j on e.key = j.id::text || ':apply'`),
    ).toBe(JOBS);
    // One success and one journaled step per job, events numbered 1..n with no gap and no duplicate.
    expect(await count(`select count(*) from job_event where type = 'job-succeeded'`)).toBe(JOBS);
    expect(await count(`select count(*) from job_event where type = 'step-succeeded'`)).toBe(JOBS);
    expect(
      await count(
        `select count(*) from (select job_id from job_event group by job_id having count(*) <> max(seq) or min(seq) <> 1) gaps`,
      ),
    ).toBe(0);
    // The step body may run again after a crash (at least once); the key is what keeps the effect single.
    const executions = await count('select count(*) from chaos_execution');
    expect(executions).toBeGreaterThanOrEqual(JOBS);
    console.info(
      `[chaos] killed with ${runningAtKill} running and ${succeededAtKill} done; ${lost} jobs recovered; ${executions - JOBS} step bodies re-run, 0 effects applied twice`,
    );
    // Nothing is left leased to the dead worker.
    expect(await count(`select count(*) from job where status = 'running'`)).toBe(0);
  });
});
