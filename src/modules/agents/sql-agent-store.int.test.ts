import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeAgentStoreContract } from '../../../test/contracts/agent-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../test/support/postgres.ts';
import { type Database, IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { SqlAgentStore } from './sql-agent-store.ts';

async function freshTables(database: Database): Promise<SqlAgentStore> {
  await sql`delete from agent_run`.execute(database.db);
  return new SqlAgentStore(database.db);
}

describe('SqlAgentStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeAgentStoreContract('PGlite', () => freshTables(database));
});

describe.skipIf(skipWithoutPostgres)('SqlAgentStore on PostgreSQL', () => {
  let temporary: TemporaryDatabase;
  let database: Database;
  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    database = await openDatabase({ kind: 'postgres', url: temporary.url });
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await temporary?.drop();
  });
  describeAgentStoreContract('PostgreSQL', () => freshTables(database));
});
