import { sql } from 'kysely';
import { describeConversationStoreContract } from '../../../test/contracts/conversation-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import type { Database } from '../../platform/db/index.ts';
import { SqlConversationStore } from './sql-conversation-store.ts';

async function emptied(database: Database): Promise<SqlConversationStore> {
  await sql`truncate conversation, conversation_message cascade`.execute(database.db);
  return new SqlConversationStore(database.db);
}

describeOnEveryDatabase('SqlConversationStore', (engine, database) =>
  describeConversationStoreContract(engine, () => emptied(database())),
);
