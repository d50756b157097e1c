import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeJobStoreContract } from '../../../test/contracts/job-store.contract.ts';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { type Database, migrateToLatest, openDatabase } from '../../platform/db/index.ts';
import { type Notifier, PgBossJobQueue } from '../../platform/jobs/index.ts';
import { capabilityRunJob, webhookSendJob } from './queue-deliveries.ts';
import { SqlJobStore } from './sql-job-store.ts';

async function open(database: Database) {
  await migrateToLatest(database.db);
  return PgBossJobQueue.start(database, {
    types: [capabilityRunJob, webhookSendJob],
    supervise: false,
    onError: (error) => {
      throw error;
    },
  });
}

async function fresh(database: Database, queue: PgBossJobQueue, notifier: Notifier): Promise<SqlJobStore> {
  await sql`truncate job, job_event, job_step, job_worker, job_webhook_attempt`.execute(database.db);
  for (const type of [capabilityRunJob, webhookSendJob]) {
    await database.db.transaction().execute((trx) => queue.take(type, 100_000, trx));
  }
  // Safety copies are due later; drain them too.
  await sql`delete from pgboss.job where name in ('jobs.capability-run', 'jobs.webhook-send')`.execute(
    database.db,
  );
  return new SqlJobStore(database.db, queue, notifier, {
    embedded: database.engine === 'pglite',
  });
}

describe('SqlJobStore on PGlite', () => {
  let database: Database;
  let queue: PgBossJobQueue;
  beforeAll(async () => {
    database = await openDatabase(embeddedTarget());
    queue = await open(database);
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.close();
  });
  describeJobStoreContract('PGlite', (notifier) => fresh(database, queue, notifier));
});

describe('SqlJobStore on PostgreSQL', requires('postgres'), () => {
  let temporary: TemporaryDatabase;
  let database: Database;
  let queue: PgBossJobQueue;
  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    database = await openDatabase({ kind: 'postgres', url: temporary.url });
    queue = await open(database);
  });
  afterAll(async () => {
    await queue?.stop();
    await database?.close();
    await temporary?.drop();
  });
  describeJobStoreContract('PostgreSQL', (notifier) => fresh(database, queue, notifier));
});
