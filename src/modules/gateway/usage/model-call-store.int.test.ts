import { describeModelCallStoreContract } from '../../../../test/contracts/model-call-store.contract.ts';
import { describeOnEveryDatabase } from '../../../../test/support/sql-suites.ts';
import type { Database } from '../../../platform/db/index.ts';
import { MemoryModelCallStore } from './memory-model-call-store.ts';
import { SqlModelCallStore } from './sql-model-call-store.ts';

describeModelCallStoreContract('memory', async () => new MemoryModelCallStore());

async function freshTable(database: Database): Promise<SqlModelCallStore> {
  await database.db.deleteFrom('model_call').execute();
  return new SqlModelCallStore(database.db);
}

describeOnEveryDatabase('SqlModelCallStore', (engine, database) =>
  describeModelCallStoreContract(engine, () => freshTable(database())),
);
