import { describe } from 'vitest';
import { describeJobQueueContract } from '../../../test/contracts/job-queue.contract.ts';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { createTemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { type Database, openDatabase } from '../db/index.ts';
import type { JobType } from './define-job-type.ts';
import { PgBossJobQueue } from './pg-boss-job-queue.ts';

async function harnessOn(
  database: Database,
  types: readonly JobType<unknown>[],
  cleanup: () => Promise<void>,
) {
  const queue = await PgBossJobQueue.start(database, {
    types,
    supervise: false,
    onError: (error) => {
      throw error;
    },
  });
  return {
    queue,
    transaction: <T>(work: (tx: Database['db']) => Promise<T>) => database.db.transaction().execute(work),
    async close() {
      await queue.stop();
      await database.close();
      await cleanup();
    },
  };
}

describeJobQueueContract('pg-boss on PGlite', async (types) =>
  harnessOn(await openDatabase(embeddedTarget()), types, async () => {}),
);

describe('on PostgreSQL', requires('postgres'), () => {
  describeJobQueueContract('pg-boss on PostgreSQL', async (types) => {
    const temporary = await createTemporaryDatabase();
    return harnessOn(await openDatabase({ kind: 'postgres', url: temporary.url }), types, () =>
      temporary.drop(),
    );
  });
});
