import type { KeelConfig } from '../config/index.ts';
import {
  capabilityRunJob,
  type JobSettings,
  type JobStore,
  SqlJobStore,
  webhookSendJob,
} from '../modules/jobs/index.ts';
import type { Database } from '../platform/db/index.ts';
import { pgDriver } from '../platform/db/index.ts';
import {
  InProcessNotifier,
  type Notifier,
  PgBossJobQueue,
  PostgresNotifier,
  RedisNotifier,
} from '../platform/jobs/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import type { ResourceScope } from './resource-scope.ts';

/** Which process the jobs are wired for: `keel serve`, `keel worker`, or a one-shot CLI command. */
export type JobRole = 'api' | 'worker' | 'cli';

export interface JobDependencies {
  readonly store: JobStore;
  readonly notifier: Notifier;
  readonly settings: JobSettings;
}

/**
 * Chooses the job adapters: pg-boss on the database Keel already has, and notifications through Redis when
 * REDIS_URL is set, else LISTEN/NOTIFY on PostgreSQL, else in this process (embedded). The queue and the
 * notifier are owned by the scope (closed in reverse: the notifier, then the queue).
 */
export async function createJobDependencies(
  scope: ResourceScope,
  config: KeelConfig,
  database: Database,
  logger: Logger,
  role: JobRole,
): Promise<JobDependencies> {
  const embedded = database.engine === 'pglite';
  const runWorkers =
    role === 'worker' ||
    (role === 'api' && (config.jobs.apiWorkers === 'on' || (config.jobs.apiWorkers === 'auto' && embedded)));
  const queue = await scope.open(
    'the job queue',
    () =>
      PgBossJobQueue.start(database, {
        types: [capabilityRunJob, webhookSendJob],
        supervise: runWorkers,
        onError: (error) => logger.warn({ err: error }, 'job queue maintenance error'),
      }),
    (opened) => opened.stop(),
  );
  const notifier = await scope.open(
    'the job notifier',
    () => openNotifier(config, database, logger),
    (opened) => opened.close(),
  );
  const { jobs } = config;
  const settings: JobSettings = {
    defaults: jobs.defaults,
    runWorkers,
    runner: {
      concurrency: jobs.concurrency,
      batchSize: Math.min(jobs.concurrency, 64),
      pollIntervalMs: 1_000,
      leaseMs: jobs.leaseMs,
      shutdownGraceMs: Math.min(5_000, Math.floor(config.server.shutdownTimeoutMs / 2)),
      exclusive: embedded,
    },
    webhooks: {
      ...jobs.webhooks,
      concurrency: 8,
      pollIntervalMs: 1_000,
      allowedTargets: config.outbound.allow,
    },
    feedPollIntervalMs: 2_000,
  };
  if (role !== 'cli') {
    logger.info(
      { notifications: notifier.kind, workers: runWorkers ? jobs.concurrency : 0 },
      runWorkers
        ? 'jobs: workers run in this process'
        : 'jobs: no workers in this process (run `keel worker`: jobs and document ingestion need one)',
    );
  }
  return {
    store: new SqlJobStore(database.db, queue, notifier, { embedded }),
    notifier,
    settings,
  };
}

async function openNotifier(config: KeelConfig, database: Database, logger: Logger): Promise<Notifier> {
  const onError = (error: Error) => logger.warn({ err: error }, 'job notifications: connection problem');
  // Embedded, one process holds the database: notifications never need to leave it.
  if (config.redisUrl && config.storage.kind === 'postgres') {
    const notifier = new RedisNotifier({ url: config.redisUrl, onError });
    await notifier.start();
    return notifier;
  }
  if (database.pool && config.storage.kind === 'postgres') {
    const url = config.storage.url;
    const notifier = new PostgresNotifier({
      pool: database.pool,
      connect: async () =>
        new (pgDriver().Client)({ connectionString: url, application_name: 'keel-notifications' }),
      onError,
    });
    await notifier.start();
    return notifier;
  }
  return new InProcessNotifier();
}
