import { describeApiKeyStoreContract } from '../../../test/contracts/api-key-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import type { Database } from '../../platform/db/index.ts';
import { SqlApiKeyStore } from './sql-api-key-store.ts';

async function freshTable(database: Database): Promise<SqlApiKeyStore> {
  await database.db.deleteFrom('api_key').execute();
  return new SqlApiKeyStore(database.db);
}

describeOnEveryDatabase('SqlApiKeyStore', (engine, database) =>
  describeApiKeyStoreContract(engine, () => freshTable(database())),
);
