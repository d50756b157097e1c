import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { withComputePriority } from '../../platform/compute/index.ts';
import { AppError, asAppError } from '../../platform/errors/index.ts';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import type { Notifier } from '../../platform/jobs/index.ts';
import type { Logger } from '../../platform/logging/index.ts';
import type { AnyCapability, CapabilityInvoker, Clock } from '../capabilities/index.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobRecord } from './job.types.ts';
import { AttemptReporter } from './job-attempt-reporter.ts';
import { toJobProblem } from './job-events.ts';
import type {
  AttemptEnd,
  AttemptFence,
  AttemptOutcome,
  EndedAttempt,
  WorkerLeaseStore,
} from './job-store.port.ts';
import { failedAttemptOutcome, lostAttemptOutcome } from './job-transitions.ts';
import { jobErrors } from './jobs.errors.ts';
import { capabilityRunJob, JOB_CHANNELS } from './queue-deliveries.ts';

export interface JobRunnerSettings {
  /** Attempts this process runs at once. */
  readonly concurrency: number;
  /** Deliveries claimed per round trip. */
  readonly batchSize: number;
  /** Backstop poll when no notification arrives. */
  readonly pollIntervalMs: number;
  /** A worker silent this long has lost its jobs to others. Heartbeats go out every third of it. */
  readonly leaseMs: number;
  /** On stop, how long running attempts may finish before they are handed back. */
  readonly shutdownGraceMs: number;
  /** True when this process alone can reach the database (embedded): any other worker row is stale. */
  readonly exclusive: boolean;
}

export interface JobRunnerOptions {
  readonly store: WorkerLeaseStore;
  readonly notifier: Notifier;
  readonly invoker: CapabilityInvoker;
  readonly capabilities: readonly AnyCapability[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: JobRunnerSettings;
}

/** Why the runner aborted an attempt; the invoker sees the abort, the runner decides what it means. */
type AbortKind = 'cancel' | 'timeout' | 'shutdown' | 'lease-lost';

class JobAbort extends Error {
  readonly kind: AbortKind;

  constructor(kind: AbortKind) {
    super(`job attempt aborted: ${kind}`);
    this.name = 'JobAbort';
    this.kind = kind;
  }
}

interface RunningAttempt {
  readonly job: JobRecord;
  readonly fence: AttemptFence;
  readonly controller: AbortController;
  done: Promise<void>;
}

/**
 * The worker: claims due jobs (woken by notifications, polling as a backstop), runs each attempt through
 * the capability invoker inside the enqueuing request's context, and records its outcome with the retry
 * policy applied. It holds a lease by heartbeat; it recovers the jobs of workers whose lease lapsed; it
 * aborts attempts that are cancelled, time out, or lose their lease; and on stop it hands running attempts
 * back. See docs/jobs.md.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #capabilities: ReadonlyMap<string, AnyCapability>;
  readonly #running = new Map<string, RunningAttempt>();
  readonly #ender: GroupCommit<AttemptEnd, EndedAttempt | undefined>;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unsubscribe: (() => void)[] = [];
  #workerId: string;
  #started = false;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wakePending = false;
  /** A claim is in flight: jobs it took are not in `#running` yet. */
  #claiming = false;
  /** Whether a claim may find something: set by notifications and full claims, cleared by short ones. */
  #moreWork = true;
  #wake: (() => void) | undefined;
  #heartbeatFailingSince: number | undefined;
  #endedSinceMaintenance = 0;
  #maintainedAt = Date.now();
  #renewing: Promise<void> | undefined;

  constructor(options: JobRunnerOptions) {
    this.#options = options;
    this.#capabilities = new Map(options.capabilities.map((capability) => [capability.name, capability]));
    // Attempts that end together are recorded together (one transaction).
    this.#ender = new GroupCommit((ends) => options.store.endAttempts(ends, options.clock.now()));
    this.#workerId = newWorkerId();
  }

  get workerId(): string {
    return this.#workerId;
  }

  /** Attempts running now (for tests and metrics). */
  get running(): number {
    return this.#running.size;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { store, notifier, settings, logger } = this.#options;
    await store.registerWorker(this.#info(), { evictOthers: settings.exclusive });
    await this.#recover();
    this.#unsubscribe.push(
      notifier.subscribe(JOB_CHANNELS.available, (queue) => {
        if (queue === undefined || queue === capabilityRunJob.name) this.#signal();
      }),
      notifier.subscribe(JOB_CHANNELS.cancel, (jobId) => {
        if (jobId === undefined) void this.#checkCancellations();
        else this.#running.get(jobId)?.controller.abort(new JobAbort('cancel'));
      }),
    );
    // The heartbeat keeps going while stopping: the lease must hold until the attempts are handed back.
    this.#every(Math.max(50, Math.floor(settings.leaseMs / 3)), () => this.#heartbeat(), {
      whileStopping: true,
    });
    this.#every(Math.max(100, Math.floor(settings.leaseMs / 2)), () => this.#recover());
    // One process owns an embedded database, and PGlite has no autovacuum: keep the job tables lean.
    if (settings.exclusive) this.#every(MAINTENANCE_CHECK_MS, () => this.#maintain());
    this.#loop = this.#run();
    logger.info(
      { workerId: this.#workerId, concurrency: settings.concurrency, leaseMs: settings.leaseMs },
      'job worker started',
    );
  }

  /** Stops claiming, lets running attempts finish for the grace period, hands the rest back, leaves. */
  async stop(): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#signal();
    await this.#loop;
    const { settings, logger, store } = this.#options;
    const attempts = [...this.#running.values()];
    if (attempts.length > 0) {
      const grace = new Promise<void>((resolve) => setTimeout(resolve, settings.shutdownGraceMs).unref());
      await Promise.race([Promise.all(attempts.map((attempt) => attempt.done)), grace]);
      const remaining = [...this.#running.values()];
      if (remaining.length > 0) {
        logger.info(
          { jobs: remaining.map((attempt) => attempt.job.id) },
          'handing running jobs back to the queue',
        );
        for (const attempt of remaining) attempt.controller.abort(new JobAbort('shutdown'));
        await Promise.all(remaining.map((attempt) => attempt.done));
      }
    }
    await this.#ender.idle();
    for (const timer of this.#timers) clearInterval(timer);
    await store.unregisterWorker(this.#workerId).catch((error: unknown) => {
      logger.warn({ err: error }, 'could not unregister the job worker; its lease will lapse');
    });
    logger.info({ workerId: this.#workerId }, 'job worker stopped');
  }

  /**
   * Claims while there may be work (a notification came, or the last claim was full) and a slot is free;
   * otherwise sleeps until one of those changes, or the poll interval passes (the backstop).
   */
  async #run(): Promise<void> {
    const { store, settings, clock, logger } = this.#options;
    let failures = 0;
    let pollDue = true;
    while (!this.#stopping) {
      const free = settings.concurrency - this.#running.size;
      if (free > 0 && (this.#moreWork || pollDue)) {
        const limit = Math.min(free, settings.batchSize);
        pollDue = false;
        try {
          this.#moreWork = false;
          this.#claiming = true;
          const claimed = await store.claim(this.#workerId, limit, clock.now()).finally(() => {
            this.#claiming = false;
          });
          failures = 0;
          for (const job of claimed) this.#start(job);
          if (claimed.length === limit) this.#moreWork = true;
        } catch (error) {
          failures += 1;
          this.#moreWork = true;
          logger.error({ err: error }, 'claiming jobs failed; retrying');
          await sleep(Math.min(5_000, 100 * 2 ** failures));
          continue;
        }
        if (this.#moreWork && this.#running.size < settings.concurrency) continue;
      }
      if ((await this.#waitForWork(settings.pollIntervalMs)) === 'timeout') pollDue = true;
    }
  }

  #start(job: JobRecord): void {
    const fence: AttemptFence = { jobId: job.id, workerId: this.#workerId, attempt: job.attempts };
    const controller = new AbortController();
    const attempt: RunningAttempt = { job, fence, controller, done: Promise.resolve() };
    this.#running.set(job.id, attempt);
    attempt.done = this.#attempt(attempt)
      .catch((error: unknown) => {
        this.#options.logger.error(
          { err: error, jobId: job.id },
          'recording a job attempt failed; its lease will lapse',
        );
      })
      .finally(() => {
        this.#running.delete(job.id);
        // A free slot matters only if there is work to fill it.
        if (this.#moreWork) this.#signal();
      });
  }

  async #attempt({ job, fence, controller }: RunningAttempt): Promise<void> {
    const { invoker, clock, logger, store } = this.#options;
    const invocationId = `${job.id}.${job.attempts}`;
    const log = logger.child({
      requestId: job.requestId,
      jobId: job.id,
      attempt: job.attempts,
      capability: job.capability,
    });
    const capability = this.#capabilities.get(job.capability);
    let outcome: AttemptOutcome;
    const reporter = new AttemptReporter(store, fence, clock, () =>
      controller.abort(new JobAbort('lease-lost')),
    );
    if (job.cancelRequestedAt !== null) {
      outcome = { kind: 'cancelled' };
    } else if (!capability) {
      outcome = {
        kind: 'failed',
        error: toJobProblem(
          new AppError(jobErrors.JOB_CAPABILITY_UNKNOWN, {
            detail: `This worker has no capability named "${job.capability}"; it was removed from the configuration.`,
          }),
        ),
      };
    } else {
      const timer = setTimeout(() => controller.abort(new JobAbort('timeout')), job.timeoutMs);
      log.debug('job attempt started');
      try {
        const context = createRequestContext({
          requestId: invocationId,
          tenantId: job.tenantId,
          keyId: job.apiKeyId ?? undefined,
          subject: job.apiKeyId ?? 'local',
          authenticated: true,
        });
        // Compute-pool work of a job yields to callers waiting on a response.
        const result = await runWithRequestContext(context, () =>
          withComputePriority('background', () =>
            settleAfterAbort(
              invoker.invoke(capability, job.input, {
                requestId: invocationId,
                tenantId: job.tenantId,
                signal: controller.signal,
                logger: log,
                reporter,
                // Each guardrail decision as a `guardrail` job event; a block then fails the attempt.
                onGuardrail: (decision) => reporter.guardrail(decision),
                job: {
                  id: job.id,
                  attempt: job.attempts,
                  maxAttempts: job.maxAttempts,
                  idempotencyKey: `keel-job:${job.id}`,
                },
              }),
              controller.signal,
            ),
          ),
        );
        outcome = { kind: 'succeeded', result };
      } catch (error) {
        const decided = this.#failed(job, error, controller.signal);
        if (decided === undefined) {
          log.warn('job attempt lost its lease; another worker has the job');
          return;
        }
        outcome = decided;
      } finally {
        clearTimeout(timer);
      }
    }
    if (controller.signal.reason instanceof JobAbort && controller.signal.reason.kind === 'lease-lost')
      return;
    const events = await reporter.drain();
    const ended = await this.#end({ fence, outcome, events }, controller.signal);
    if (ended === LEASE_LOST) {
      log.warn('job attempt lost its lease before its outcome could be recorded; another worker has the job');
      return;
    }
    this.#endedSinceMaintenance += 1;
    if (ended === undefined)
      log.warn('job attempt finished after losing its lease; its outcome was discarded');
    else log.info({ status: ended.status, outcome: outcome.kind }, 'job attempt finished');
  }

  /**
   * Records an attempt's outcome, retrying a failed write (a database blip, a failover) for as long as the
   * lease holds: work that finished must not run again because its outcome met a short outage. The heartbeat
   * decides when the lease is gone (it fails for `leaseMs`, or the store says it lapsed) and aborts the
   * attempt with `lease-lost`; then the outcome is dropped and the job's next holder runs it.
   */
  async #end(end: AttemptEnd, signal: AbortSignal): Promise<EndedAttempt | undefined | typeof LEASE_LOST> {
    for (let retry = 0; ; retry += 1) {
      try {
        return await this.#ender.submit(end);
      } catch (error) {
        if (leaseLost(signal)) return LEASE_LOST;
        if (retry === 0)
          this.#options.logger.warn(
            { err: error, jobId: end.fence.jobId },
            'recording a job outcome failed; retrying while the lease holds',
          );
        await sleep(Math.min(END_RETRY_MAX_DELAY_MS, END_RETRY_FIRST_DELAY_MS * 2 ** retry));
        if (leaseLost(signal)) return LEASE_LOST;
      }
    }
  }

  /**
   * Jobs the store says this worker runs but it does not (an outcome that could not be recorded, a write
   * lost with a database failover): re-queued as if their worker were lost, fenced by their attempt.
   */
  async #checkOrphans(): Promise<void> {
    if (this.#claiming) return;
    const { store, settings, logger } = this.#options;
    const settled = Date.now() - settings.leaseMs / 3;
    const orphans = (await store.runningFor(this.#workerId)).filter(
      (job) => !this.#running.has(job.jobId) && job.attemptStartedAt.getTime() < settled,
    );
    if (orphans.length === 0) return;
    logger.warn(
      { jobs: orphans.map((job) => job.jobId) },
      'jobs leased to this worker but not running here; re-queueing them',
    );
    const now = this.#options.clock.now();
    await Promise.all(
      orphans.map((job) =>
        this.#ender.submit({
          fence: { jobId: job.jobId, workerId: this.#workerId, attempt: job.attempt },
          outcome: lostAttemptOutcome(
            { attempts: job.attempt, maxAttempts: job.maxAttempts },
            now,
            'The attempt was lost by its worker.',
          ),
          events: [],
        }),
      ),
    );
    this.#signal();
  }

  /** What a failed attempt means: cancelled, handed back, retried later, or failed for good. */
  #failed(job: JobRecord, error: unknown, signal: AbortSignal): AttemptOutcome | undefined {
    const now = this.#options.clock.now();
    const reason = signal.aborted && signal.reason instanceof JobAbort ? signal.reason.kind : undefined;
    if (reason === 'lease-lost') return undefined;
    if (reason === 'cancel') return { kind: 'cancelled' };
    if (reason === 'shutdown') return { kind: 'requeued', reason: 'shutdown', runAfter: now };
    const appError =
      reason === 'timeout'
        ? new AppError(jobErrors.JOB_TIMED_OUT, {
            detail: `The attempt ran longer than ${job.timeoutMs} ms.`,
            details: { timeout_ms: job.timeoutMs },
          })
        : asAppError(error);
    const outcome = failedAttemptOutcome(job, appError, now);
    if (outcome.kind === 'requeued') this.#wakeAt(outcome.runAfter);
    return outcome;
  }

  async #heartbeat(): Promise<void> {
    const { store, settings, logger } = this.#options;
    if (this.#renewing !== undefined) return;
    let held: boolean;
    try {
      held = await store.heartbeat(this.#workerId);
      this.#heartbeatFailingSince = undefined;
    } catch (error) {
      this.#heartbeatFailingSince ??= Date.now();
      logger.warn({ err: error }, 'job worker heartbeat failed');
      if (Date.now() - this.#heartbeatFailingSince < settings.leaseMs) return;
      held = false;
    }
    if (!held) {
      // Our jobs were (or will be) given to other workers: stop them, and come back under a new identity.
      logger.error({ workerId: this.#workerId }, 'job worker lease lapsed; abandoning its running attempts');
      for (const attempt of this.#running.values()) attempt.controller.abort(new JobAbort('lease-lost'));
      this.#workerId = newWorkerId();
      this.#renewing = store
        .registerWorker(this.#info(), { evictOthers: false })
        .then(
          () => {
            this.#heartbeatFailingSince = undefined;
          },
          (error: unknown) => logger.error({ err: error }, 'job worker could not register again'),
        )
        .finally(() => {
          this.#renewing = undefined;
        });
      return;
    }
    await this.#checkCancellations();
    await this.#checkOrphans().catch((error: unknown) => {
      logger.warn({ err: error }, 'checking for orphaned jobs failed');
    });
  }

  async #checkCancellations(): Promise<void> {
    if (this.#running.size === 0) return;
    try {
      for (const jobId of await this.#options.store.cancelRequested(this.#workerId)) {
        this.#running.get(jobId)?.controller.abort(new JobAbort('cancel'));
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'checking job cancellations failed');
    }
  }

  async #maintain(): Promise<void> {
    const due =
      this.#endedSinceMaintenance >= MAINTENANCE_EVERY_ATTEMPTS ||
      (this.#endedSinceMaintenance > 0 && Date.now() - this.#maintainedAt >= MAINTENANCE_EVERY_MS);
    if (!due) return;
    this.#endedSinceMaintenance = 0;
    this.#maintainedAt = Date.now();
    const started = performance.now();
    try {
      await this.#options.store.maintain();
      this.#options.logger.debug({ ms: Math.round(performance.now() - started) }, 'job tables vacuumed');
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'job table maintenance failed');
    }
  }

  async #recover(): Promise<void> {
    const { store, settings, clock, logger } = this.#options;
    try {
      const recovered = await store.recoverLostJobs(settings.leaseMs, clock.now(), 500);
      if (recovered.length > 0) {
        logger.warn(
          { jobs: recovered.map((job) => ({ id: job.id, status: job.status, attempts: job.attempts })) },
          'recovered jobs left running by a worker that stopped',
        );
        this.#signal();
      }
    } catch (error) {
      logger.warn({ err: error }, 'recovering lost jobs failed');
    }
  }

  /** New work may be due (a notification, a recovery, a retry coming due): claim. */
  #signal(): void {
    this.#moreWork = true;
    this.#wakePending = true;
    this.#wake?.();
  }

  #wakeAt(when: Date): void {
    const delay = when.getTime() - Date.now();
    if (delay > 60_000) return;
    const timer = setTimeout(() => this.#signal(), Math.max(0, delay) + 5);
    timer.unref();
  }

  async #waitForWork(timeoutMs: number): Promise<'signal' | 'timeout'> {
    if (this.#wakePending || this.#stopping) {
      this.#wakePending = false;
      return 'signal';
    }
    const reason = await new Promise<'signal' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve('signal');
      };
    });
    this.#wake = undefined;
    this.#wakePending = false;
    return reason;
  }

  #every(intervalMs: number, task: () => Promise<void>, options: { whileStopping?: boolean } = {}): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || (this.#stopping && !options.whileStopping)) return;
      busy = true;
      void task().finally(() => {
        busy = false;
      });
    }, intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }

  #info() {
    return { id: this.#workerId, host: hostname(), pid: process.pid };
  }
}

function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Waits before retrying the write of an attempt's outcome: doubling from the first, capped. */
const END_RETRY_FIRST_DELAY_MS = 100;
const END_RETRY_MAX_DELAY_MS = 2_000;

const LEASE_LOST = Symbol('lease-lost');

function leaseLost(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof JobAbort && signal.reason.kind === 'lease-lost';
}

/** Embedded maintenance (vacuum): checked every few seconds, run after this many attempts or this long. */
const MAINTENANCE_CHECK_MS = 5_000;
const MAINTENANCE_EVERY_ATTEMPTS = 5_000;
const MAINTENANCE_EVERY_MS = 10 * 60_000;

/** Code that ignores its abort signal must not hold a worker slot: give it a moment, then move on. */
const ABORT_GRACE_MS = 2_000;

function settleAfterAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
