import { sql } from 'kysely';
import { describeAgentStoreContract } from '../../../test/contracts/agent-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import type { Database } from '../../platform/db/index.ts';
import { SqlAgentStore } from './sql-agent-store.ts';

async function freshTables(database: Database): Promise<SqlAgentStore> {
  await sql`delete from agent_run`.execute(database.db);
  return new SqlAgentStore(database.db);
}

describeOnEveryDatabase('SqlAgentStore', (engine, database) =>
  describeAgentStoreContract(engine, () => freshTables(database())),
);
