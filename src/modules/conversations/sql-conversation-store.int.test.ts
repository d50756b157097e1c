import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeConversationStoreContract } from '../../../test/contracts/conversation-store.contract.ts';
import {
  createTemporaryDatabase,
  skipWithoutPostgres,
  type TemporaryDatabase,
} from '../../../test/support/postgres.ts';
import { type Database, IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { SqlConversationStore } from './sql-conversation-store.ts';

async function emptied(database: Database): Promise<SqlConversationStore> {
  await sql`truncate conversation, conversation_message cascade`.execute(database.db);
  return new SqlConversationStore(database.db);
}

describe('SqlConversationStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());
  describeConversationStoreContract('PGlite', () => emptied(database));
});

describe.skipIf(skipWithoutPostgres)('SqlConversationStore on PostgreSQL', () => {
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
  describeConversationStoreContract('PostgreSQL', () => emptied(database));
});
