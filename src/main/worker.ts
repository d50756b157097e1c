import type { KeelConfig } from '../config/index.ts';
import { SqlAgentStore } from '../modules/agents/index.ts';
import { SqlEvalStore } from '../modules/evals/index.ts';
import { SqlFeedbackStore } from '../modules/feedback/index.ts';
import type { JobSystem } from '../modules/jobs/index.ts';
import { HttpRequestLog } from '../modules/request-log/index.ts';
import type { VariantSystem } from '../modules/variants/index.ts';
import type { Database } from '../platform/db/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { type RequestLogParts, systemClock, variantDependencies } from './builders.ts';
import { type JobWiringDependencies, wireJobs } from './job-wiring.ts';
import { buildProcessServices } from './process-services.ts';
import { buildInScope } from './resource-scope.ts';
import { openWhenReachable } from './startup-wait.ts';

export interface WorkerDependencies extends JobWiringDependencies {
  readonly database: Database;
  readonly requestLog: RequestLogParts;
  close(): Promise<void>;
}

/**
 * What `keel worker` builds, top to bottom, owned by the scope like `keel serve`'s: the same database, job
 * queue, telemetry, compute, limits, gateway and request log, so a job runs here exactly as in the API;
 * but no HTTP (no routes, console, readiness checks). Any number of worker processes share the queue.
 */
export function createWorkerDependencies(config: KeelConfig, logger: Logger): Promise<WorkerDependencies> {
  return buildInScope(async (scope) => {
    const { database, jobs, keys, gateway, guardrails, requestLog, documents, capabilities, mcpSources } =
      await buildProcessServices(scope, config, logger, 'worker');

    return {
      logger,
      models: gateway.models,
      capabilities,
      guardrails,
      clock: systemClock,
      keys,
      documents,
      jobs,
      agents: { store: new SqlAgentStore(database.db), tools: config.tools, mcpSources },
      evals: {
        store: new SqlEvalStore(database.db),
        feedback: new SqlFeedbackStore(database.db),
        prices: config.models.gateway.prices,
      },
      variants: variantDependencies(scope, config, database, 'worker', logger),
      database,
      requestLog,
      close: () => scope.close(),
    };
  });
}

export interface RunningWorker {
  readonly jobs: JobSystem;
  /** Stops claiming, lets running attempts finish briefly, hands the rest back, then closes storage. */
  shutdown(reason: string): Promise<void>;
}

/** Composition root of `keel worker`: its dependencies, the job system, and graceful shutdown. */
export async function startWorker(config: KeelConfig, logger: Logger): Promise<RunningWorker> {
  // Started during a database outage, it waits for the database instead of exiting.
  const dependencies = await openWhenReachable(() => createWorkerDependencies(config, logger), {
    logger,
    what: 'keel worker',
  });
  let jobs: JobSystem;
  let variants: VariantSystem;
  try {
    // No HTTP here: the request log only records the invocations of job attempts.
    const requestLog = new HttpRequestLog({
      writer: dependencies.requestLog.writer,
      bodies: dependencies.requestLog.bodies,
    });
    // The same job wiring as `keel serve`.
    ({ jobs, variants } = wireJobs(dependencies, requestLog.recordInvocation));
    await variants.start();
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
          await variants.close();
        } finally {
          await dependencies.close();
          logger.info('stopped');
        }
      })();
      return stopping;
    },
  };
}
