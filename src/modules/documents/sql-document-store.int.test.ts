import { sql } from 'kysely';
import { describeDocumentStoreContract } from '../../../test/contracts/document-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import type { Database } from '../../platform/db/index.ts';
import { SqlDocumentStore } from './sql-document-store.ts';

async function emptied(database: Database): Promise<SqlDocumentStore> {
  await sql`truncate document_collection, document, document_source cascade`.execute(database.db);
  return new SqlDocumentStore(database.db);
}

describeOnEveryDatabase('SqlDocumentStore', (engine, database) =>
  describeDocumentStoreContract(engine, () => emptied(database())),
);
