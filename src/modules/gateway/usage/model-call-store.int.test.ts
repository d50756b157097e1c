import { afterAll, beforeAll, describe } from 'vitest';
import { describeModelCallStoreContract } from '../../../../test/contracts/model-call-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../../test/support/postgres.ts';
import {
  type Database,
  IN_MEMORY_DATA_DIR,
  migrateToLatest,
  openDatabase,
} from '../../../platform/db/index.ts';
import { MemoryModelCallStore } from './memory-model-call-store.ts';
import { SqlModelCallStore } from './sql-model-call-store.ts';

describeModelCallStoreContract('memory', async () => new MemoryModelCallStore());

async function freshTable(database: Database): Promise<SqlModelCallStore> {
  await database.db.deleteFrom('model_call').execute();
  return new SqlModelCallStore(database.db);
}

describe('SqlModelCallStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeModelCallStoreContract('PGlite', () => freshTable(database));
});

describe.skipIf(skipWithoutPostgres)('SqlModelCallStore on PostgreSQL', () => {
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
  describeModelCallStoreContract('PostgreSQL', () => freshTable(database));
});
