import { randomUUID } from 'node:crypto';
import type { MemoryJobQueue, Notifier } from '../../platform/jobs/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeJobCursor, encodeJobCursor } from './job.cursor.ts';
import type { JobEvent, JobRecord, NewJobEvent, StepRecord, WebhookAttempt } from './job.types.ts';
import { jobEvents } from './job-events.ts';
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
import { holds, type JobChange, type JobSnapshot, transition } from './job-transitions.ts';
import { capabilityRunJob, JOB_CHANNELS, webhookSendJob } from './queue-deliveries.ts';

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
    if (created.length > 0) this.#announce(created, [capabilityRunJob.name]);
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
    let available: readonly string[] = [];
    const result = await this.#transaction(async (): Promise<CancelResult | undefined> => {
      const row = this.#jobs.get(id);
      if (!row || row.tenantId !== tenantId) return undefined;
      const next = transition(snapshot(row), { kind: 'cancel' }, now);
      if (next.kind === 'moved') {
        await this.#carryOut(row, next.change, [], now);
        available = next.change.available;
        return { outcome: 'cancelled', job: copy(this.#row(id)) };
      }
      if (next.kind === 'cancel-requested') {
        this.#update(id, { cancelRequestedAt: now, updatedAt: now });
        return { outcome: 'requested', job: copy(this.#row(id)) };
      }
      return { outcome: 'unchanged', job: copy(row) };
    });
    if (result?.outcome === 'cancelled') this.#announce([id], available);
    if (result?.outcome === 'requested') this.#notifier.publish(JOB_CHANNELS.cancel, id);
    return result;
  }

  async retry(tenantId: string, id: string, now: Date): Promise<RetryResult | undefined> {
    let available: readonly string[] = [];
    const result = await this.#transaction(async (): Promise<RetryResult | undefined> => {
      const row = this.#jobs.get(id);
      if (!row || row.tenantId !== tenantId) return undefined;
      const next = transition(snapshot(row), { kind: 'retry' }, now);
      if (next.kind !== 'moved') return { outcome: 'unchanged', job: copy(row) };
      await this.#carryOut(row, next.change, [], now);
      available = next.change.available;
      return { outcome: 'requeued', job: copy(this.#row(id)) };
    });
    if (result?.outcome === 'requeued') this.#announce([id], available);
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
    const available: string[] = [];
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
        const next = transition(snapshot(row), { kind: 'worker-lost' }, now);
        if (next.kind !== 'moved') continue;
        await this.#carryOut(row, next.change, [], now);
        available.push(...next.change.available);
        result.push(copy(this.#row(row.id)));
      }
      return result;
    });
    if (changed.length > 0)
      this.#announce(
        changed.map((job) => job.id),
        available,
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
        if (!row) continue;
        // Only the delivery the row names may start an attempt; any other is stale and simply dropped.
        const next = transition(snapshot(row), { kind: 'claim', workerId, deliveryId: delivery.id }, now);
        if (next.kind !== 'moved') continue;
        await this.#carryOut(row, next.change, [], now);
        result.push(copy(this.#row(row.id)));
      }
      return result;
    });
    if (claimed.length > 0)
      this.#announce(
        claimed.map((job) => job.id),
        [],
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
    if (last !== undefined && events.length > 0) this.#announce([fence.jobId], []);
    return last;
  }

  async steps(jobId: string): Promise<StepRecord[]> {
    return [...(this.#steps.get(jobId)?.values() ?? [])].map((step) => structuredClone(step));
  }

  async endAttempts(ends: readonly AttemptEnd[], now: Date): Promise<(EndedAttempt | undefined)[]> {
    const available: string[] = [];
    const results = await this.#transaction(async () => {
      const out: (JobRecord | undefined)[] = [];
      for (const end of ends) {
        const row = this.#jobs.get(end.fence.jobId);
        const next = row ? transition(snapshot(row), { kind: 'attempt-end', end }, now) : undefined;
        if (!row || next?.kind !== 'moved') {
          out.push(undefined);
          continue;
        }
        await this.#carryOut(row, next.change, end.events, now);
        available.push(...next.change.available);
        out.push(copy(this.#row(row.id)));
      }
      return out;
    });
    const changed = results.filter((job): job is JobRecord => job !== undefined);
    if (changed.length > 0) {
      this.#announce(
        changed.map((job) => job.id),
        available,
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

  /** Carries out a move the state machine decided: the row, its events, and the deliveries it queues. */
  async #carryOut(row: Row, change: JobChange, buffered: readonly NewJobEvent[], now: Date): Promise<void> {
    const events = [...buffered, ...change.events];
    let deliveryId: string | null = null;
    if (change.queueAttempt) {
      const { startAfter } = change.queueAttempt;
      [deliveryId = null] = await this.#queue.send(capabilityRunJob, [
        { payload: { jobId: row.id }, ...(startAfter ? { options: { startAfter } } : {}) },
      ]);
    }
    if (change.queueWebhook) {
      await this.#queue.send(webhookSendJob, [
        {
          payload: {
            jobId: row.id,
            deliveryId: randomUUID(),
            eventType: change.queueWebhook,
            eventId: row.lastEventId + events.length,
            attempt: 1,
          },
        },
      ]);
    }
    // A move to running starts an attempt.
    const started =
      change.status === 'running' ? { startedAt: row.startedAt ?? now, attemptStartedAt: now } : {};
    this.#update(row.id, {
      status: change.status,
      attempts: change.attempts,
      result: structuredClone(change.result),
      error: change.error,
      workerId: change.workerId,
      deliveryId,
      runAfter: change.runAfter,
      finishedAt: change.finished ? now : null,
      ...(change.cancelRequest === 'clear' ? { cancelRequestedAt: null } : {}),
      ...started,
      updatedAt: now,
    });
    this.#append(row.id, events, now);
  }

  #held(fence: AttemptFence): Row | undefined {
    const row = this.#jobs.get(fence.jobId);
    return row && holds(snapshot(row), fence) ? row : undefined;
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

  /** After commit: the jobs that have new events, and the queues that have new deliveries. */
  #announce(jobIds: readonly string[], queues: readonly string[]): void {
    for (const id of jobIds) this.#notifier.publish(JOB_CHANNELS.events, id);
    for (const queue of new Set(queues)) this.#notifier.publish(JOB_CHANNELS.available, queue);
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

function snapshot(row: Row): JobSnapshot {
  return {
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    workerId: row.workerId,
    deliveryId: row.deliveryId,
    cancelRequested: row.cancelRequestedAt !== null,
    error: row.error,
    hasWebhook: row.webhook !== null,
  };
}

function copy(row: Row): JobRecord {
  const { sequence: _sequence, ...job } = row;
  return structuredClone(job);
}
