import { afterAll, beforeAll, describe } from 'vitest';
import { type Database, openMigratedDatabase } from '../../src/platform/db/index.ts';
import { embeddedTarget } from './embedded-database.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from './postgres.ts';
import { requires } from './tiers.ts';

export type SqlEngineName = 'PGlite' | 'PostgreSQL';

/**
 * Runs `suite` against a migrated in-memory PGlite and, when DATABASE_URL is set, a migrated PostgreSQL
 * database of its own (dropped afterwards): how every SQL adapter runs its port's contract suite.
 * `database()` is the open database, valid inside the suite's tests.
 */
export function describeOnEveryDatabase(
  subject: string,
  suite: (engine: SqlEngineName, database: () => Database) => void,
): void {
  describe(`${subject} on PGlite`, () => {
    let database: Database;
    beforeAll(async () => {
      database = (await openMigratedDatabase(embeddedTarget())).database;
    });
    afterAll(async () => database?.close());
    suite('PGlite', () => database);
  });

  describe(`${subject} on PostgreSQL`, requires('postgres'), () => {
    let temporary: TemporaryDatabase;
    let database: Database;
    beforeAll(async () => {
      temporary = await createTemporaryDatabase();
      database = (await openMigratedDatabase({ kind: 'postgres', url: temporary.url })).database;
    });
    afterAll(async () => {
      await database?.close();
      await temporary?.drop();
    });
    suite('PostgreSQL', () => database);
  });
}
