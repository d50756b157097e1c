import { afterAll, beforeAll, describe } from 'vitest';
import { describeRequestLogStoreContract } from '../../../test/contracts/request-log-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../test/support/postgres.ts';
import { type Database, IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { SqlRequestLogStore } from './sql-request-log-store.ts';

async function freshTable(database: Database): Promise<SqlRequestLogStore> {
  await database.db.deleteFrom('request_log').execute();
  return new SqlRequestLogStore(database.db);
}

describe('SqlRequestLogStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeRequestLogStoreContract('PGlite', () => freshTable(database));
});

describe.skipIf(skipWithoutPostgres)('SqlRequestLogStore on PostgreSQL', () => {
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
  describeRequestLogStoreContract('PostgreSQL', () => freshTable(database));
});
