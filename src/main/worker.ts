import type { KeelConfig } from '../config/index.ts';
import type { JobSystem } from '../modules/jobs/index.ts';
import { HttpRequestLog } from '../modules/request-log/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { createDependencies } from './dependencies.ts';
import { wireJobs } from './job-wiring.ts';
import { openWhenReachable } from './startup-wait.ts';

export interface RunningWorker {
  readonly jobs: JobSystem;
  /** Stops claiming, lets running attempts finish briefly, hands the rest back, then closes storage. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Composition root of `keel worker`: the same dependencies as `keel serve` (database, gateway, limits,
 * telemetry, request log) without HTTP, running job attempts and webhook deliveries. Any number of worker
 * processes share the queue on PostgreSQL.
 */
export async function startWorker(config: KeelConfig, logger: Logger): Promise<RunningWorker> {
  // Started during a database outage, it waits for the database instead of exiting.
  const dependencies = await openWhenReachable(() => createDependencies(config, logger, { role: 'worker' }), {
    logger,
    what: 'keel worker',
  });
  let jobs: JobSystem;
  try {
    // No HTTP here: the request log only records the invocations of job attempts.
    const requestLog = new HttpRequestLog({
      writer: dependencies.requestLog.writer,
      bodies: dependencies.requestLog.bodies ?? true,
    });
    // The same job wiring as `keel serve`.
    ({ jobs } = wireJobs(dependencies, requestLog.recordInvocation));
    await jobs.start();
  } catch (error) {
    await dependencies.close();
    throw error;
  }
  logger.info(
    {
      workerId: jobs.runner?.workerId,
      storage: dependencies.database.engine,
      concurrency: config.jobs.concurrency,
      capabilities: dependencies.capabilities.map((capability) => capability.name),
    },
    'keel worker is ready',
  );
  let stopping: Promise<void> | undefined;
  return {
    jobs,
    shutdown(reason) {
      stopping ??= (async () => {
        logger.info({ reason }, 'keel worker stopping: handing running jobs back');
        try {
          await jobs.stop();
        } finally {
          await dependencies.close();
          logger.info('stopped');
        }
      })();
      return stopping;
    },
  };
}
