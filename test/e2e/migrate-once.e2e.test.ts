import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/platform/db/migrations/index.ts';
import { type KeelProcess, runKeel, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { requires } from '../support/tiers.ts';

/**
 * Migrations run exactly once however many processes start together (ADR 0100): 4 `keel serve`
 * processes started at the same instant against an empty PostgreSQL database all become ready, one of
 * them applies every migration, the other three find nothing to do. `keel migrate --check` tells a
 * deploy pipeline whether migrations are pending.
 */

const names = Object.keys(migrations);

describe('migrations under concurrency, on PostgreSQL', requires('postgres'), () => {
  let temporary: TemporaryDatabase;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const processes: KeelProcess[] = [];

  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    directory = await temporaryDirectory();
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await temporary?.drop();
    await directory?.remove();
  });

  it('keel migrate --check exits 1 and lists what is pending on an empty database', async () => {
    const result = await runKeel(['migrate', '--check'], {
      DATABASE_URL: temporary.url,
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${names.length} pending: ${names.join(', ')}`);
  });

  it('4 processes started at once against an empty database apply each migration once', async () => {
    const environment = {
      DATABASE_URL: temporary.url,
      KEEL_API_WORKERS: 'off',
      KEEL_EMBEDDINGS: 'off',
      LOG_LEVEL: 'info',
    };
    const started = await Promise.allSettled(
      Array.from({ length: 4 }, () => startKeel(environment, directory.path)),
    );
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value);
    const failures = started.flatMap((result) =>
      result.status === 'rejected' ? [String(result.reason)] : [],
    );
    expect(failures).toEqual([]);

    // Each process logs what it applied: all of it in one process, nothing in the three others.
    const appliedBy = processes.map(
      (process) =>
        (process.logs.find((entry) => entry.msg === 'migrations applied')?.migrations as
          | string[]
          | undefined) ?? [],
    );
    expect(appliedBy.filter((applied) => applied.length > 0)).toEqual([names]);
    expect(appliedBy.flat()).toHaveLength(names.length);

    const client = new pg.Client({ connectionString: temporary.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select name from keel_migration order by name');
      expect(rows.map((row) => row.name)).toEqual(names);
    } finally {
      await client.end();
    }
    // Every process serves, on the same schema.
    for (const process of processes) expect((await fetch(`${process.url}/readyz`)).status).toBe(200);
    // Four starts at once on a loaded 2-core machine.
  }, 120_000);

  it('keel migrate --check exits 0 once the database is up to date', async () => {
    const result = await runKeel(['migrate', '--check'], {
      DATABASE_URL: temporary.url,
      LOG_LEVEL: 'silent',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('database is up to date');
  });
});
