import { afterAll, beforeAll, describe } from 'vitest';
import { describeApiKeyStoreContract } from '../../../test/contracts/api-key-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../test/support/postgres.ts';
import { type Database, IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { SqlApiKeyStore } from './sql-api-key-store.ts';

async function freshTable(database: Database): Promise<SqlApiKeyStore> {
  await database.db.deleteFrom('api_key').execute();
  return new SqlApiKeyStore(database.db);
}

describe('SqlApiKeyStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeApiKeyStoreContract('PGlite', () => freshTable(database));
});

describe.skipIf(skipWithoutPostgres)('SqlApiKeyStore on PostgreSQL', () => {
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
  describeApiKeyStoreContract('PostgreSQL', () => freshTable(database));
});
