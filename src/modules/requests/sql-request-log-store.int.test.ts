import { describeRequestLogStoreContract } from '../../../test/contracts/request-log-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import type { Database } from '../../platform/db/index.ts';
import { SqlRequestLogStore } from './sql-request-log-store.ts';

async function freshTable(database: Database): Promise<SqlRequestLogStore> {
  await database.db.deleteFrom('request_log').execute();
  return new SqlRequestLogStore(database.db);
}

describeOnEveryDatabase('SqlRequestLogStore', (engine, database) =>
  describeRequestLogStoreContract(engine, () => freshTable(database())),
);
