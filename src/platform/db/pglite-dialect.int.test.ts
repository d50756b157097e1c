import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { type Database, openDatabase } from './database.ts';
import { migrateToLatest, migrationStatus } from './migrate.ts';

describe('Kysely on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase(embeddedTarget());
    await sql`create table counter (id int primary key, value int not null)`.execute(database.db);
  });
  afterAll(async () => database?.close());

  it('commits a transaction', async () => {
    await database.db.transaction().execute(async (transaction) => {
      await sql`insert into counter values (1, 10)`.execute(transaction);
    });
    const { rows } = await sql<{ value: number }>`select value from counter where id = 1`.execute(
      database.db,
    );
    expect(rows[0]?.value).toBe(10);
  });

  it('rolls back a transaction that throws, leaving nothing half-written', async () => {
    await expect(
      database.db.transaction().execute(async (transaction) => {
        await sql`insert into counter values (2, 20)`.execute(transaction);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await sql`select * from counter where id = 2`.execute(database.db);
    expect(rows).toEqual([]);
  });

  it('keeps queries from outside out of an open transaction', async () => {
    const order: string[] = [];
    const { promise: inside, resolve: entered } = Promise.withResolvers<void>();
    const { promise: release, resolve: finish } = Promise.withResolvers<void>();
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`update counter set value = 11 where id = 1`.execute(trx);
      entered();
      await release;
      order.push('transaction-done');
      await sql`update counter set value = 12 where id = 1`.execute(trx);
    });
    await inside;
    // Issued while the transaction is open: must wait for it, then see its final value.
    const outside = sql<{ value: number }>`select value from counter where id = 1`
      .execute(database.db)
      .then((result) => {
        order.push('outside-read');
        return result.rows[0]?.value;
      });
    await new Promise((resolve) => setImmediate(resolve));
    finish();
    await transaction;
    expect(await outside).toBe(12);
    expect(order).toEqual(['transaction-done', 'outside-read']);
  });

  it('rolls back when the transaction is rolled back by a failing statement', async () => {
    await expect(
      database.db.transaction().execute(async (transaction) => {
        await sql`insert into counter values (3, 30)`.execute(transaction);
        await sql`insert into counter values (3, 31)`.execute(transaction);
      }),
    ).rejects.toThrow();
    const { rows } = await sql`select * from counter where id = 3`.execute(database.db);
    expect(rows).toEqual([]);
    // The session is usable afterwards.
    const after = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(after.rows[0]?.one).toBe(1);
  });

  it('applies migrations once and reports none pending', async () => {
    const first = await migrateToLatest(database.db);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrateToLatest(database.db);
    expect(second.applied).toEqual([]);
    expect((await migrationStatus(database.db)).pending).toEqual([]);
  });

  it('has pgvector loaded', async () => {
    expect(database.vector).toBe(true);
    const { rows } = await sql<{
      distance: number;
    }>`select '[1,0]'::vector <=> '[0,1]'::vector as distance`.execute(database.db);
    expect(rows[0]?.distance).toBeCloseTo(1);
  });
});
