import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeDocumentStoreContract } from '../../../test/contracts/document-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../test/support/postgres.ts';
import { type Database, IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { SqlDocumentStore } from './sql-document-store.ts';

async function emptied(database: Database): Promise<SqlDocumentStore> {
  await sql`truncate document_collection, document, document_source cascade`.execute(database.db);
  return new SqlDocumentStore(database.db);
}

describe('SqlDocumentStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeDocumentStoreContract('PGlite', () => emptied(database));
});

describe.skipIf(skipWithoutPostgres)('SqlDocumentStore on PostgreSQL', () => {
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
  describeDocumentStoreContract('PostgreSQL', () => emptied(database));
});
