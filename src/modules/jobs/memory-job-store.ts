import { randomUUID } from 'node:crypto';
import { AppError } from '../../platform/errors/index.ts';
import type { MemoryJobQueue, Notifier } from '../../platform/jobs/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeJobCursor, encodeJobCursor } from './job.cursor.ts';
import type { JobEvent, JobRecord, NewJobEvent, StepRecord, WebhookAttempt } from './job.types.ts';
import { isTerminal } from './job.types.ts';
import { jobEvents, toJobProblem } from './job-events.ts';
import { capabilityRunJob, JOB_CHANNELS, webhookSendJob } from './job-queue-types.ts';
import type {
  AttemptEnd,
  AttemptFence,
  CancelResult,
  CreateResult,
  EndedAttempt,
  JobListQuery,
  JobPage,
  JobStore,
  NewJob,
  RetryResult,
  RunningAttempt,
  StepWrite,
  WebhookDelivery,
  WebhookRetry,
  WorkerInfo,
} from './job-store.port.ts';
import { jobErrors } from './jobs.errors.ts';

type Row = JobRecord & { readonly sequence: bigint };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Jobs in memory: the reference behaviour of the JobStore contract and the adapter of the HTTP test tier.
 * One lock serialises operations like a transaction would; the queue is rolled back if one throws.
 */
export class MemoryJobStore implements JobStore {
  readonly #queue: MemoryJobQueue;
  readonly #notifier: Notifier;
  readonly #now: () => number;
  readonly #jobs = new Map<string, Row>();
  readonly #events = new Map<string, JobEvent[]>();
  readonly #steps = new Map<string, Map<string, StepRecord>>();
  readonly #workers = new Map<string, { info: WorkerInfo; heartbeatAt: number }>();
  readonly #webhookAttempts: WebhookAttempt[] = [];
  #sequence = 0n;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(queue: MemoryJobQueue, notifier: Notifier, options: { now?: () => number } = {}) {
    this.#queue = queue;
    this.#notifier = notifier;
    this.#now = options.now ?? Date.now;
  }

  async create(job: NewJob, now: Date): Promise<CreateResult> {
    const [result] = await this.createMany([job], now);
    if (!result) throw new Error(`job ${job.id} was not created`);
    return result;
  }

  async createMany(jobs: readonly NewJob[], now: Date): Promise<CreateResult[]> {
    const results = await this.#transaction(async () => {
      const out: CreateResult[] = [];
      for (const job of jobs) out.push(await this.#create(job, now));
      return out;
    });
    const created = results.filter((result) => result.created).map((result) => result.job.id);
    if (created.length > 0) this.#announce(created, true);
    return results;
  }

  async #create(job: NewJob, now: Date): Promise<CreateResult> {
    if (job.idempotencyKey !== null) {
      const existing = [...this.#jobs.values()].find(
        (row) => row.tenantId === job.tenantId && row.idempotencyKey === job.idempotencyKey,
      );
      if (existing) return { job: copy(existing), created: false };
    }
    if (this.#jobs.has(job.id)) throw new Error(`job ${job.id} already exists`);
    const [deliveryId] = await this.#queue.send(capabilityRunJob, [{ payload: { jobId: job.id } }]);
    this.#sequence += 1n;
    const row: Row = {
      ...structuredClone(job),
      status: 'queued',
      attempts: 0,
      result: null,
      error: null,
      cancelRequestedAt: null,
      workerId: null,
      deliveryId: deliveryId ?? null,
      runAfter: null,
      lastEventId: 0,
      createdAt: now,
      startedAt: null,
      attemptStartedAt: null,
      finishedAt: null,
      updatedAt: now,
      sequence: this.#sequence,
    };
    this.#jobs.set(job.id, row);
    this.#events.set(job.id, []);
    this.#append(job.id, [jobEvents.queued(row)], now);
    return { job: copy(this.#row(job.id)), created: true };
  }

  async get(tenantId: string, id: string): Promise<JobRecord | undefined> {
    const row = this.#jobs.get(id);
    return row && row.tenantId === tenantId ? copy(row) : undefined;
  }

  async list(tenantId: string, query: JobListQuery): Promise<JobPage> {
    const after = query.cursor ? decodeJobCursor(query.cursor) : undefined;
    const rows = [...this.#jobs.values()]
      .filter((row) => row.tenantId === tenantId)
      .filter((row) => query.status === undefined || row.status === query.status)
      .filter((row) => query.capability === undefined || row.capability === query.capability)
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() ||
          (b.sequence > a.sequence ? 1 : b.sequence < a.sequence ? -1 : 0),
      )
      .filter(
        (row) =>
          !after ||
          row.createdAt.getTime() < after.createdAt.getTime() ||
          (row.createdAt.getTime() === after.createdAt.getTime() && row.sequence < BigInt(after.sequence)),
      );
    return pageOf(rows, query.limit, copy, (last) =>
      encodeJobCursor({ createdAt: last.createdAt, sequence: String(last.sequence) }),
    );
  }

  async events(
    tenantId: string,
    jobId: string,
    afterId: number,
    limit: number,
  ): Promise<JobEvent[] | undefined> {
    const row = this.#jobs.get(jobId);
    if (!row || row.tenantId !== tenantId) return undefined;
    return (this.#events.get(jobId) ?? [])
      .filter((event) => event.id > afterId)
      .slice(0, limit)
      .map((event) => structuredClone(event));
  }

  async cancel(tenantId: string, id: string, now: Date): Promise<CancelResult | undefined> {
    const result = await this.#transaction(async (): Promise<CancelResult | undefined> => {
      const row = this.#jobs.get(id);
      if (!row || row.tenantId !== tenantId) return undefined;
      if (row.status === 'queued') {
        await this.#finish(row, { status: 'cancelled' }, [jobEvents.cancelled(row.attempts)], now);
        return { outcome: 'cancelled', job: copy(this.#row(id)) };
      }
      if (row.status === 'running' && row.cancelRequestedAt === null) {
        this.#update(id, { cancelRequestedAt: now, updatedAt: now });
        return { outcome: 'requested', job: copy(this.#row(id)) };
      }
      return { outcome: 'unchanged', job: copy(row) };
    });
    if (result?.outcome === 'cancelled') this.#announce([id], false);
    if (result?.outcome === 'requested') this.#notifier.publish(JOB_CHANNELS.cancel, id);
    return result;
  }

  async retry(tenantId: string, id: string, now: Date): Promise<RetryResult | undefined> {
    const result = await this.#transaction(async (): Promise<RetryResult | undefined> => {
      const row = this.#jobs.get(id);
      if (!row || row.tenantId !== tenantId) return undefined;
      if (row.status !== 'failed') return { outcome: 'unchanged', job: copy(row) };
      const [deliveryId] = await this.#queue.send(capabilityRunJob, [{ payload: { jobId: id } }]);
      this.#update(id, {
        status: 'queued',
        attempts: 0,
        error: null,
        result: null,
        finishedAt: null,
        cancelRequestedAt: null,
        deliveryId: deliveryId ?? null,
        runAfter: null,
        updatedAt: now,
      });
      this.#append(id, [jobEvents.requeued('retry', 0, now)], now);
      return { outcome: 'requeued', job: copy(this.#row(id)) };
    });
    if (result?.outcome === 'requeued') this.#announce([id], true);
    return result;
  }

  async webhookAttempts(tenantId: string, jobId: string): Promise<WebhookAttempt[] | undefined> {
    const row = this.#jobs.get(jobId);
    if (!row || row.tenantId !== tenantId) return undefined;
    return this.#webhookAttempts
      .filter((attempt) => attempt.jobId === jobId)
      .map((attempt) => structuredClone(attempt));
  }

  async registerWorker(worker: WorkerInfo, options: { readonly evictOthers: boolean }): Promise<void> {
    await this.#transaction(async () => {
      if (options.evictOthers) this.#workers.clear();
      this.#workers.set(worker.id, { info: { ...worker }, heartbeatAt: this.#now() });
    });
  }

  async heartbeat(workerId: string): Promise<boolean> {
    return this.#transaction(async () => {
      const worker = this.#workers.get(workerId);
      if (!worker) return false;
      worker.heartbeatAt = this.#now();
      return true;
    });
  }

  async unregisterWorker(workerId: string): Promise<void> {
    await this.#transaction(async () => {
      this.#workers.delete(workerId);
    });
  }

  async recoverLostJobs(leaseMs: number, now: Date, limit: number): Promise<JobRecord[]> {
    const changed = await this.#transaction(async () => {
      const cutoff = this.#now() - leaseMs;
      for (const [id, worker] of this.#workers) if (worker.heartbeatAt <= cutoff) this.#workers.delete(id);
      const orphans = [...this.#jobs.values()]
        .filter(
          (row) => row.status === 'running' && (row.workerId === null || !this.#workers.has(row.workerId)),
        )
        .slice(0, limit);
      const result: JobRecord[] = [];
      for (const row of orphans) {
        if (row.cancelRequestedAt !== null) {
          await this.#finish(row, { status: 'cancelled' }, [jobEvents.cancelled(row.attempts)], now);
        } else if (row.attempts >= row.maxAttempts) {
          const error = toJobProblem(
            new AppError(jobErrors.JOB_WORKER_LOST, {
              detail: `The worker running attempt ${row.attempts} stopped, and no attempts are left.`,
            }),
          );
          await this.#finish(row, { status: 'failed', error }, [jobEvents.failed(error, row.attempts)], now);
        } else {
          const [deliveryId] = await this.#queue.send(capabilityRunJob, [{ payload: { jobId: row.id } }]);
          this.#update(row.id, {
            status: 'queued',
            workerId: null,
            deliveryId: deliveryId ?? null,
            runAfter: now,
            updatedAt: now,
          });
          this.#append(row.id, [jobEvents.requeued('worker-lost', row.attempts, now)], now);
        }
        result.push(copy(this.#row(row.id)));
      }
      return result;
    });
    if (changed.length > 0)
      this.#announce(
        changed.map((job) => job.id),
        true,
      );
    return changed;
  }

  async claim(workerId: string, limit: number, now: Date): Promise<JobRecord[]> {
    const claimed = await this.#transaction(async () => {
      if (!this.#workers.has(workerId)) return [];
      const { deliveries } = await this.#queue.take(capabilityRunJob, limit);
      const result: JobRecord[] = [];
      for (const delivery of deliveries) {
        const row = this.#jobs.get(delivery.payload.jobId);
        if (row?.status !== 'queued' || row.deliveryId !== delivery.id) continue;
        const attempt = row.attempts + 1;
        this.#update(row.id, {
          status: 'running',
          attempts: attempt,
          workerId,
          deliveryId: null,
          runAfter: null,
          startedAt: row.startedAt ?? now,
          attemptStartedAt: now,
          updatedAt: now,
        });
        this.#append(row.id, [jobEvents.started(attempt)], now);
        result.push(copy(this.#row(row.id)));
      }
      return result;
    });
    if (claimed.length > 0)
      this.#announce(
        claimed.map((job) => job.id),
        false,
      );
    return claimed;
  }

  async appendEvents(
    fence: AttemptFence,
    events: readonly NewJobEvent[],
    now: Date,
    step?: StepWrite,
  ): Promise<number | undefined> {
    const last = await this.#transaction(async () => {
      const row = this.#held(fence);
      if (!row) return undefined;
      if (step) {
        let steps = this.#steps.get(fence.jobId);
        if (!steps) {
          steps = new Map();
          this.#steps.set(fence.jobId, steps);
        }
        steps.set(step.name, {
          jobId: fence.jobId,
          name: step.name,
          result: structuredClone(step.result),
          attempt: fence.attempt,
          startedAt: step.startedAt,
          finishedAt: now,
        });
      }
      this.#append(fence.jobId, events, now);
      return this.#row(fence.jobId).lastEventId;
    });
    if (last !== undefined && events.length > 0) this.#announce([fence.jobId], false);
    return last;
  }

  async steps(jobId: string): Promise<StepRecord[]> {
    return [...(this.#steps.get(jobId)?.values() ?? [])].map((step) => structuredClone(step));
  }

  async endAttempts(ends: readonly AttemptEnd[], now: Date): Promise<(EndedAttempt | undefined)[]> {
    const results = await this.#transaction(async () => {
      const out: (JobRecord | undefined)[] = [];
      for (const end of ends) {
        const row = this.#held(end.fence);
        if (!row) {
          out.push(undefined);
          continue;
        }
        this.#append(row.id, end.events, now);
        const attempt = end.fence.attempt;
        const outcome =
          row.cancelRequestedAt !== null && end.outcome.kind === 'requeued'
            ? { kind: 'cancelled' as const }
            : end.outcome;
        switch (outcome.kind) {
          case 'succeeded':
            await this.#finish(
              row,
              { status: 'succeeded', result: outcome.result },
              [jobEvents.succeeded(outcome.result, attempt)],
              now,
            );
            break;
          case 'failed':
            await this.#finish(
              row,
              { status: 'failed', error: outcome.error },
              [jobEvents.failed(outcome.error, attempt)],
              now,
            );
            break;
          case 'cancelled':
            await this.#finish(row, { status: 'cancelled' }, [jobEvents.cancelled(attempt)], now);
            break;
          case 'requeued': {
            const [deliveryId] = await this.#queue.send(capabilityRunJob, [
              { payload: { jobId: row.id }, options: { startAfter: outcome.runAfter } },
            ]);
            this.#update(row.id, {
              status: 'queued',
              attempts: outcome.reason === 'shutdown' ? attempt - 1 : attempt,
              workerId: null,
              deliveryId: deliveryId ?? null,
              runAfter: outcome.runAfter,
              error: outcome.error ?? row.error,
              updatedAt: now,
            });
            this.#append(
              row.id,
              [jobEvents.requeued(outcome.reason, attempt, outcome.runAfter, outcome.error)],
              now,
            );
            break;
          }
        }
        out.push(copy(this.#row(row.id)));
      }
      return out;
    });
    const changed = results.filter((job): job is JobRecord => job !== undefined);
    if (changed.length > 0) {
      this.#announce(
        changed.map((job) => job.id),
        changed.some((job) => job.status === 'queued' || job.webhook !== null),
      );
    }
    return results.map((job) =>
      job
        ? { jobId: job.id, status: job.status, attempts: job.attempts, lastEventId: job.lastEventId }
        : undefined,
    );
  }

  async cancelRequested(workerId: string): Promise<string[]> {
    return [...this.#jobs.values()]
      .filter(
        (row) => row.status === 'running' && row.workerId === workerId && row.cancelRequestedAt !== null,
      )
      .map((row) => row.id);
  }

  async runningFor(workerId: string): Promise<RunningAttempt[]> {
    return [...this.#jobs.values()]
      .filter((row) => row.status === 'running' && row.workerId === workerId)
      .map((row) => ({
        jobId: row.id,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        attemptStartedAt: row.attemptStartedAt ?? row.updatedAt,
      }));
  }

  async maintain(): Promise<void> {}

  async findJob(jobId: string): Promise<JobRecord | undefined> {
    const row = this.#jobs.get(jobId);
    return row ? copy(row) : undefined;
  }

  async takeWebhookDeliveries(limit: number, leaseMs: number, now: Date): Promise<WebhookDelivery[]> {
    return this.#transaction(async () => {
      const { deliveries } = await this.#queue.take(webhookSendJob, limit);
      if (deliveries.length === 0) return [];
      const startAfter = new Date(now.getTime() + leaseMs);
      const copies = await this.#queue.send(
        webhookSendJob,
        deliveries.map((delivery) => ({ payload: delivery.payload, options: { startAfter } })),
      );
      return deliveries.map((delivery, index) => ({
        payload: delivery.payload,
        safetyCopyId: copies[index] ?? '',
      }));
    });
  }

  async discardWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.#transaction(() => this.#queue.remove(webhookSendJob, [delivery.safetyCopyId]));
  }

  async recordWebhookAttempt(
    attempt: WebhookAttempt,
    delivery: WebhookDelivery,
    retry?: WebhookRetry,
  ): Promise<void> {
    await this.#transaction(async () => {
      if (retry)
        await this.#queue.send(webhookSendJob, [
          { payload: retry.payload, options: { startAfter: retry.startAfter } },
        ]);
      await this.#queue.remove(webhookSendJob, [delivery.safetyCopyId]);
      if (
        !this.#webhookAttempts.some(
          (row) => row.deliveryId === attempt.deliveryId && row.attempt === attempt.attempt,
        )
      ) {
        this.#webhookAttempts.push(structuredClone(attempt));
      }
    });
    if (retry) this.#notifier.publish(JOB_CHANNELS.available, webhookSendJob.name);
  }

  /** Moves a job to a terminal state with its final event, and queues its webhook delivery. */
  async #finish(
    row: Row,
    change: { status: 'succeeded' | 'failed' | 'cancelled'; result?: unknown; error?: JobRecord['error'] },
    events: readonly NewJobEvent[],
    now: Date,
  ): Promise<void> {
    if (row.webhook !== null && isTerminal(change.status)) {
      const eventType = events.at(-1)?.type;
      if (eventType === 'job-succeeded' || eventType === 'job-failed' || eventType === 'job-cancelled') {
        await this.#queue.send(webhookSendJob, [
          {
            payload: {
              jobId: row.id,
              deliveryId: randomUUID(),
              eventType,
              eventId: this.#row(row.id).lastEventId + events.length,
              attempt: 1,
            },
          },
        ]);
      }
    }
    this.#update(row.id, {
      status: change.status,
      ...(change.result === undefined ? {} : { result: structuredClone(change.result) }),
      ...(change.error === undefined ? {} : { error: change.error }),
      workerId: null,
      deliveryId: null,
      runAfter: null,
      finishedAt: now,
      updatedAt: now,
    });
    this.#append(row.id, events, now);
  }

  #held(fence: AttemptFence): Row | undefined {
    const row = this.#jobs.get(fence.jobId);
    return row &&
      row.status === 'running' &&
      row.workerId === fence.workerId &&
      row.attempts === fence.attempt
      ? row
      : undefined;
  }

  #append(jobId: string, events: readonly NewJobEvent[], now: Date): void {
    if (events.length === 0) return;
    const row = this.#row(jobId);
    const list = this.#events.get(jobId) ?? [];
    let id = row.lastEventId;
    for (const event of events) {
      id += 1;
      list.push({ jobId, id, type: event.type, data: structuredClone(event.data), createdAt: now });
    }
    this.#events.set(jobId, list);
    this.#update(jobId, { lastEventId: id });
  }

  #row(id: string): Row {
    const row = this.#jobs.get(id);
    if (!row) throw new Error(`job ${id} vanished`);
    return row;
  }

  #update(id: string, changes: Partial<Mutable<JobRecord>>): void {
    this.#jobs.set(id, { ...this.#row(id), ...changes });
  }

  #announce(jobIds: readonly string[], available: boolean): void {
    for (const id of jobIds) this.#notifier.publish(JOB_CHANNELS.events, id);
    if (available) {
      this.#notifier.publish(JOB_CHANNELS.available, capabilityRunJob.name);
      this.#notifier.publish(JOB_CHANNELS.available, webhookSendJob.name);
    }
  }

  async #transaction<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(async () => {
      const snapshot = this.#queue.snapshot();
      try {
        return await work();
      } catch (error) {
        this.#queue.restore(snapshot);
        throw error;
      }
    });
    this.#lock = run.catch(() => {});
    return run;
  }
}

function copy(row: Row): JobRecord {
  const { sequence: _sequence, ...job } = row;
  return structuredClone(job);
}
