import { afterAll, beforeAll, describe } from 'vitest';
import { describeDatasetStoreContract } from '../../../test/contracts/dataset-store.contract.ts';
import { describeEvalRunStoreContract } from '../../../test/contracts/eval-run-store.contract.ts';
import { describeFeedbackStoreContract } from '../../../test/contracts/feedback-store.contract.ts';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { type Database, openMigratedDatabase } from '../../platform/db/index.ts';
import { SqlFeedbackStore } from '../feedback/index.ts';
import { SqlEvalStore } from './sql-eval-store.ts';

async function fresh(database: Database): Promise<void> {
  for (const table of ['eval_result', 'eval_run', 'eval_dataset_item', 'eval_dataset', 'feedback']) {
    await database.db.deleteFrom(table as never).execute();
  }
}

function suites(name: string, database: () => Database): void {
  const evalStore = async () => {
    await fresh(database());
    return new SqlEvalStore(database().db);
  };
  describeDatasetStoreContract(name, evalStore);
  describeEvalRunStoreContract(name, evalStore);
  describeFeedbackStoreContract(name, async () => {
    await fresh(database());
    return new SqlFeedbackStore(database().db);
  });
}

describe('SqlEvalStore and SqlFeedbackStore on PGlite', () => {
  let database: Database;
  beforeAll(async () => {
    database = (await openMigratedDatabase(embeddedTarget())).database;
  });
  afterAll(async () => database?.close());
  suites('PGlite', () => database);
});

describe('SqlEvalStore and SqlFeedbackStore on PostgreSQL', requires('postgres'), () => {
  let temporary: TemporaryDatabase;
  let database: Database;
  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    database = (await openMigratedDatabase({ kind: 'postgres', url: temporary.url })).database;
  });
  afterAll(async () => {
    await database?.close();
    await temporary?.drop();
  });
  suites('PostgreSQL', () => database);
});
