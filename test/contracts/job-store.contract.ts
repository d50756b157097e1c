import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  capabilityRunJob,
  JOB_CHANNELS,
  type JobStore,
  type NewJob,
  webhookSendJob,
} from '../../src/modules/jobs/index.ts';
import { InProcessNotifier, type Notifier } from '../../src/platform/jobs/index.ts';

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: randomUUID(),
    tenantId: 'tenant-a',
    apiKeyId: null,
    requestId: `request-${randomUUID()}`,
    capability: 'generate',
    capabilityVersion: '1.0.0',
    input: { user_input: 'hello', nested: [1, 'two', null] },
    maxAttempts: 3,
    timeoutMs: 60_000,
    backoff: { initialMs: 1_000, maxMs: 30_000 },
    idempotencyKey: null,
    requestHash: null,
    webhook: null,
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-21T10:00:00.000Z');

/** A notifier that remembers what was published, to check what a store announces. */
class RecordingNotifier extends InProcessNotifier {
  readonly published: [channel: string, payload: string][] = [];

  override publish(channel: string, payload: string): void {
    this.published.push([channel, payload]);
    super.publish(channel, payload);
  }

  /** The queues announced as having new deliveries since the last call. */
  takeAvailable(): string[] {
    const queues = this.published
      .filter(([channel]) => channel === JOB_CHANNELS.available)
      .map(([, queue]) => queue);
    this.published.length = 0;
    return [...new Set(queues)].sort();
  }
}

/**
 * The behaviour every JobStore adapter must have; each adapter's test runs it against a fresh store that
 * announces its changes on the notifier given.
 */
export function describeJobStoreContract(
  name: string,
  createStore: (notifier: Notifier) => Promise<JobStore>,
): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    let notifier: RecordingNotifier;
    beforeEach(async () => {
      notifier = new RecordingNotifier();
      store = await createStore(notifier);
    });

    async function startWorker(id = `worker-${randomUUID()}`) {
      await store.registerWorker({ id, host: 'test', pid: 1 }, { evictOthers: false });
      return id;
    }

    async function running(overrides: Partial<NewJob> = {}) {
      const { job } = await store.create(newJob(overrides), NOW);
      const worker = await startWorker();
      const [claimed] = await store.claim(worker, 10, NOW);
      if (claimed?.id !== job.id) throw new Error('the job was not claimed');
      return { job: claimed, worker, fence: { jobId: job.id, workerId: worker, attempt: 1 } };
    }

    it('creates a queued job with its job-queued event, and keeps the input unchanged', async () => {
      const input = newJob();
      const { job, created } = await store.create(input, NOW);
      expect(created).toBe(true);
      expect(job).toMatchObject({
        id: input.id,
        status: 'queued',
        attempts: 0,
        maxAttempts: 3,
        input: input.input,
        lastEventId: 1,
        createdAt: NOW,
        result: null,
        error: null,
      });
      expect(await store.get('tenant-a', input.id)).toEqual(job);
      const events = await store.events('tenant-a', input.id, 0, 100);
      expect(events).toEqual([
        {
          jobId: input.id,
          id: 1,
          type: 'job-queued',
          data: { capability: 'generate', max_attempts: 3 },
          createdAt: NOW,
        },
      ]);
    });

    it('never shows a job, its events or its webhook log to another tenant, nor lets it cancel or retry one', async () => {
      const { job } = await store.create(newJob(), NOW);
      expect(await store.get('tenant-b', job.id)).toBeUndefined();
      expect((await store.list('tenant-b', { limit: 10 })).items).toEqual([]);
      expect(await store.events('tenant-b', job.id, 0, 10)).toBeUndefined();
      expect(await store.webhookAttempts('tenant-b', job.id)).toBeUndefined();
      expect(await store.cancel('tenant-b', job.id, NOW)).toBeUndefined();
      expect(await store.retry('tenant-b', job.id, NOW)).toBeUndefined();
      expect((await store.get('tenant-a', job.id))?.status).toBe('queued');
    });

    it('returns the existing job for a repeated idempotency key, per tenant', async () => {
      const first = await store.create(newJob({ idempotencyKey: 'key-1', requestHash: 'h1' }), NOW);
      const second = await store.create(newJob({ idempotencyKey: 'key-1', requestHash: 'h2' }), NOW);
      expect(second.created).toBe(false);
      expect(second.job.id).toBe(first.job.id);
      expect(second.job.requestHash).toBe('h1');
      const other = await store.create(newJob({ tenantId: 'tenant-b', idempotencyKey: 'key-1' }), NOW);
      expect(other.created).toBe(true);
    });

    it('creates a batch in one go, keys deduplicated within it and against earlier jobs', async () => {
      const earlier = await store.create(newJob({ idempotencyKey: 'seen' }), NOW);
      const batch = [
        newJob(),
        newJob({ idempotencyKey: 'seen' }),
        newJob({ idempotencyKey: 'fresh' }),
        newJob({ idempotencyKey: 'fresh' }),
        newJob({ tenantId: 'tenant-b', idempotencyKey: 'fresh' }),
      ];
      const results = await store.createMany(batch, NOW);
      expect(results.map((result) => result.created)).toEqual([true, false, true, false, true]);
      expect(results[1]?.job.id).toBe(earlier.job.id);
      expect(results[3]?.job.id).toBe(results[2]?.job.id);
      expect(results[4]?.job.tenantId).toBe('tenant-b');
      const worker = await startWorker();
      const claimed = await store.claim(worker, 10, NOW);
      expect(claimed.map((job) => job.id).sort()).toEqual(
        [earlier.job.id, results[0]?.job.id, results[2]?.job.id, results[4]?.job.id].sort(),
      );
    });

    it('claims a queued job once: attempt 1, job-started, and nothing left for a second claim', async () => {
      const { job } = await store.create(newJob(), NOW);
      const worker = await startWorker();
      const later = at('2026-11-21T10:00:01.000Z');
      const claimed = await store.claim(worker, 10, later);
      expect(claimed).toHaveLength(1);
      expect(claimed[0]).toMatchObject({
        id: job.id,
        status: 'running',
        attempts: 1,
        workerId: worker,
        startedAt: later,
        attemptStartedAt: later,
        lastEventId: 2,
      });
      expect(await store.claim(worker, 10, later)).toEqual([]);
      expect(
        (await store.events('tenant-a', job.id, 1, 10))?.map((event) => [event.id, event.type, event.data]),
      ).toEqual([[2, 'job-started', { attempt: 1 }]]);
    });

    it('claims nothing for a worker without a lease, and leaves the work for one that has it', async () => {
      const { job } = await store.create(newJob(), NOW);
      expect(await store.claim('not-registered', 10, NOW)).toEqual([]);
      const worker = await startWorker();
      expect((await store.claim(worker, 10, NOW)).map((claimed) => claimed.id)).toEqual([job.id]);
    });

    it('appends events and journals steps only for the attempt that holds the job', async () => {
      const { job, fence } = await running();
      const last = await store.appendEvents(
        fence,
        [
          { type: 'step-started', data: { step: 'gather', attempt: 1 } },
          { type: 'step-succeeded', data: { step: 'gather' } },
        ],
        NOW,
        { name: 'gather', result: { sources: ['a', 'b'] }, startedAt: NOW },
      );
      expect(last).toBe(4);
      expect(await store.steps(job.id)).toEqual([
        expect.objectContaining({
          jobId: job.id,
          name: 'gather',
          result: { sources: ['a', 'b'] },
          attempt: 1,
        }),
      ]);
      expect(
        await store.appendEvents(
          { ...fence, attempt: 2 },
          [{ type: 'job-progress', data: { fraction: 1 } }],
          NOW,
        ),
      ).toBeUndefined();
      expect(
        await store.appendEvents(
          { ...fence, workerId: 'other' },
          [{ type: 'job-progress', data: { fraction: 1 } }],
          NOW,
        ),
      ).toBeUndefined();
      expect((await store.events('tenant-a', job.id, 0, 100))?.map((event) => event.id)).toEqual([
        1, 2, 3, 4,
      ]);
    });

    it('ends an attempt in success with the buffered events before job-succeeded; a stale fence changes nothing', async () => {
      const { job, fence } = await running();
      const finished = at('2026-11-21T10:00:05.000Z');
      const [ended] = await store.endAttempts(
        [
          {
            fence,
            outcome: { kind: 'succeeded', result: { answer: 42 } },
            events: [{ type: 'text-delta', data: { delta: 'hi' } }],
          },
        ],
        finished,
      );
      expect(ended).toEqual({ jobId: job.id, status: 'succeeded', attempts: 1, lastEventId: 4 });
      expect(await store.get('tenant-a', job.id)).toMatchObject({
        status: 'succeeded',
        result: { answer: 42 },
        finishedAt: finished,
        workerId: null,
        lastEventId: 4,
      });
      expect((await store.events('tenant-a', job.id, 2, 10))?.map((event) => [event.id, event.type])).toEqual(
        [
          [3, 'text-delta'],
          [4, 'job-succeeded'],
        ],
      );
      expect(
        await store.endAttempts(
          [{ fence, outcome: { kind: 'failed', error: problem() }, events: [] }],
          finished,
        ),
      ).toEqual([undefined]);
      expect((await store.get('tenant-a', job.id))?.status).toBe('succeeded');
    });

    it('requeues a failed attempt for later, counted; and hands a shutdown attempt back uncounted', async () => {
      const { job, fence, worker } = await running();
      const future = new Date(Date.now() + 3_600_000);
      const [requeued] = await store.endAttempts(
        [
          {
            fence,
            outcome: { kind: 'requeued', reason: 'attempt-failed', runAfter: future, error: problem() },
            events: [],
          },
        ],
        NOW,
      );
      expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
      expect(await store.get('tenant-a', job.id)).toMatchObject({
        runAfter: future,
        error: problem(),
        workerId: null,
      });
      expect(await store.claim(worker, 10, NOW)).toEqual([]);
      const last = (await store.events('tenant-a', job.id, 0, 100))?.at(-1);
      expect(last).toMatchObject({
        type: 'job-requeued',
        data: { reason: 'attempt-failed', attempt: 1, error: problem() },
      });

      const second = await running();
      const [handedBack] = await store.endAttempts(
        [
          {
            fence: second.fence,
            outcome: { kind: 'requeued', reason: 'shutdown', runAfter: new Date(0) },
            events: [],
          },
        ],
        NOW,
      );
      expect(handedBack).toMatchObject({ status: 'queued', attempts: 0 });
      const [again] = await store.claim(second.worker, 10, NOW);
      expect(again).toMatchObject({ id: second.job.id, attempts: 1 });
    });

    it('fails an attempt for good with the problem', async () => {
      const { job, fence } = await running();
      const [failed] = await store.endAttempts(
        [{ fence, outcome: { kind: 'failed', error: problem() }, events: [] }],
        NOW,
      );
      expect(failed?.status).toBe('failed');
      expect(await store.get('tenant-a', job.id)).toMatchObject({
        status: 'failed',
        error: problem(),
        finishedAt: NOW,
      });
      expect((await store.events('tenant-a', job.id, 0, 100))?.at(-1)).toMatchObject({
        type: 'job-failed',
        data: { attempt: 1, error: problem() },
      });
    });

    it('cancels a queued job at once, and a running one through its worker', async () => {
      const { job: queued } = await store.create(newJob(), NOW);
      const cancelled = await store.cancel('tenant-a', queued.id, NOW);
      expect(cancelled).toMatchObject({
        outcome: 'cancelled',
        job: { status: 'cancelled', finishedAt: NOW },
      });
      expect((await store.events('tenant-a', queued.id, 0, 10))?.at(-1)?.type).toBe('job-cancelled');
      expect((await store.cancel('tenant-a', queued.id, NOW))?.outcome).toBe('unchanged');

      const { job, fence, worker } = await running();
      const requested = await store.cancel('tenant-a', job.id, NOW);
      expect(requested).toMatchObject({
        outcome: 'requested',
        job: { status: 'running', cancelRequestedAt: NOW },
      });
      expect(await store.cancelRequested(worker)).toEqual([job.id]);
      // The worker was about to retry it: cancellation wins.
      const [ended] = await store.endAttempts(
        [{ fence, outcome: { kind: 'requeued', reason: 'attempt-failed', runAfter: NOW }, events: [] }],
        NOW,
      );
      expect(ended?.status).toBe('cancelled');
    });

    it('retries a failed job with a fresh attempt budget, and only a failed one', async () => {
      const { job, fence, worker } = await running();
      expect((await store.retry('tenant-a', job.id, NOW))?.outcome).toBe('unchanged');
      await store.endAttempts([{ fence, outcome: { kind: 'failed', error: problem() }, events: [] }], NOW);
      const retried = await store.retry('tenant-a', job.id, NOW);
      expect(retried).toMatchObject({
        outcome: 'requeued',
        job: { status: 'queued', attempts: 0, error: null, finishedAt: null },
      });
      const [claimed] = await store.claim(worker, 10, NOW);
      expect(claimed).toMatchObject({ id: job.id, attempts: 1, status: 'running' });
    });

    it('recovers the jobs of a worker whose lease lapsed: requeued while attempts remain, failed after', async () => {
      const { job, worker } = await running();
      expect(await store.recoverLostJobs(60_000, NOW, 100)).toEqual([]);
      const recovered = await store.recoverLostJobs(0, NOW, 100);
      expect(recovered.map((changed) => [changed.id, changed.status, changed.attempts])).toEqual([
        [job.id, 'queued', 1],
      ]);
      expect(await store.heartbeat(worker)).toBe(false);
      expect((await store.events('tenant-a', job.id, 0, 100))?.at(-1)).toMatchObject({
        type: 'job-requeued',
        data: { reason: 'worker-lost', attempt: 1 },
      });
      const next = await startWorker();
      const [claimed] = await store.claim(next, 10, NOW);
      expect(claimed).toMatchObject({ id: job.id, attempts: 2 });

      const last = await running({ maxAttempts: 1 });
      const [failed] = (await store.recoverLostJobs(0, NOW, 100)).filter(
        (changed) => changed.id === last.job.id,
      );
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'JOB_WORKER_LOST' } });
    });

    it('lists the attempts a worker holds, and only those', async () => {
      const { job, worker } = await running();
      const other = await startWorker();
      expect(await store.runningFor(worker)).toEqual([
        { jobId: job.id, attempt: 1, maxAttempts: 3, attemptStartedAt: NOW },
      ]);
      expect(await store.runningFor(other)).toEqual([]);
    });

    it('evicts every other worker when one process owns the database', async () => {
      const first = await startWorker();
      const second = `worker-${randomUUID()}`;
      await store.registerWorker({ id: second, host: 'test', pid: 2 }, { evictOthers: true });
      expect(await store.heartbeat(first)).toBe(false);
      expect(await store.heartbeat(second)).toBe(true);
    });

    it('lists newest first, filters by status and capability, and pages through every job once', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const { job } = await store.create(
          newJob({ capability: index % 2 === 0 ? 'generate' : 'summarize' }),
          at(`2026-11-21T10:00:0${index < 3 ? 0 : index}.000Z`),
        );
        ids.push(job.id);
      }
      await store.cancel('tenant-a', ids[1] ?? '', NOW);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const result = await store.list('tenant-a', { limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...result.items.map((item) => item.id));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect(seen[0]).toBe(ids[4]);
      expect(
        (await store.list('tenant-a', { limit: 10, capability: 'summarize' })).items
          .map((item) => item.id)
          .sort(),
      ).toEqual([ids[1], ids[3]].sort());
      expect(
        (await store.list('tenant-a', { limit: 10, status: 'cancelled' })).items.map((item) => item.id),
      ).toEqual([ids[1]]);
    });

    it('rejects a cursor it did not issue with JOB_CURSOR_INVALID', async () => {
      await expect(store.list('tenant-a', { limit: 10, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
        code: 'JOB_CURSOR_INVALID',
      });
    });

    it('queues a webhook delivery with the terminal event, logs attempts, and keeps a safety copy until then', async () => {
      const { job, fence } = await running({
        webhook: { url: 'http://127.0.0.1:1/hook', secret: 's'.repeat(32) },
      });
      const [ended] = await store.endAttempts(
        [{ fence, outcome: { kind: 'succeeded', result: { ok: true } }, events: [] }],
        NOW,
      );
      const [delivery] = await store.takeWebhookDeliveries(10, 0, NOW);
      expect(delivery?.payload).toMatchObject({
        jobId: job.id,
        eventType: 'job-succeeded',
        eventId: ended?.lastEventId,
        attempt: 1,
      });
      if (!delivery) return;
      // The sender "died": the safety copy (due at once with a zero lease) comes back.
      const [copy] = await store.takeWebhookDeliveries(10, 60_000, NOW);
      expect(copy?.payload).toEqual(delivery.payload);
      if (!copy) return;
      const attempt = {
        deliveryId: copy.payload.deliveryId,
        attempt: 1,
        jobId: job.id,
        tenantId: 'tenant-a',
        eventType: 'job-succeeded',
        url: 'http://127.0.0.1:1/hook',
        outcome: 'failed' as const,
        responseStatus: 500,
        error: 'HTTP 500',
        durationMs: 12,
        nextAttemptAt: NOW,
        createdAt: NOW,
      };
      await store.recordWebhookAttempt(attempt, copy, {
        payload: { ...copy.payload, attempt: 2 },
        startAfter: new Date(0),
      });
      const [retry] = await store.takeWebhookDeliveries(10, 60_000, NOW);
      expect(retry?.payload).toMatchObject({ attempt: 2, deliveryId: copy.payload.deliveryId });
      if (!retry) return;
      await store.recordWebhookAttempt(
        {
          ...attempt,
          attempt: 2,
          outcome: 'delivered',
          responseStatus: 204,
          error: null,
          nextAttemptAt: null,
        },
        retry,
      );
      expect(await store.takeWebhookDeliveries(10, 60_000, NOW)).toEqual([]);
      expect(
        (await store.webhookAttempts('tenant-a', job.id))?.map((logged) => [logged.attempt, logged.outcome]),
      ).toEqual([
        [1, 'failed'],
        [2, 'delivered'],
      ]);
    });

    it('runs its housekeeping without changing what it holds', async () => {
      const { job } = await store.create(newJob(), NOW);
      await store.maintain();
      expect(await store.get('tenant-a', job.id)).toMatchObject({ id: job.id, status: 'queued' });
      const worker = await startWorker();
      expect((await store.claim(worker, 10, NOW)).map((claimed) => claimed.id)).toEqual([job.id]);
    });

    // The two stores once disagreed: one woke every queue after any cancel, the other none even when the
    // cancel queued a webhook delivery. A queue is announced exactly when it has a new delivery.
    it('announces a cancelled queued job, and wakes the webhook queue only when a delivery was queued', async () => {
      const { job: bare } = await store.create(newJob(), NOW);
      const { job: hooked } = await store.create(
        newJob({ webhook: { url: 'http://127.0.0.1:1/hook', secret: 's'.repeat(32) } }),
        NOW,
      );
      expect(notifier.takeAvailable()).toEqual([capabilityRunJob.name]);
      await store.cancel('tenant-a', bare.id, NOW);
      expect(notifier.published).toContainEqual([JOB_CHANNELS.events, bare.id]);
      expect(notifier.takeAvailable()).toEqual([]);
      await store.cancel('tenant-a', hooked.id, NOW);
      expect(notifier.takeAvailable()).toEqual([webhookSendJob.name]);
      expect(
        (await store.takeWebhookDeliveries(10, 60_000, NOW)).map((delivery) => delivery.payload),
      ).toEqual([expect.objectContaining({ jobId: hooked.id, eventType: 'job-cancelled' })]);
    });

    it('tells the worker of a running job to cancel it, and wakes the run queue when a job is requeued or retried', async () => {
      const first = await running();
      notifier.takeAvailable();
      await store.cancel('tenant-a', first.job.id, NOW);
      expect(notifier.published).toContainEqual([JOB_CHANNELS.cancel, first.job.id]);
      await store.endAttempts([{ fence: first.fence, outcome: { kind: 'cancelled' }, events: [] }], NOW);
      expect(notifier.takeAvailable()).toEqual([]);

      const second = await running();
      notifier.takeAvailable();
      const future = new Date(Date.now() + 3_600_000);
      await store.endAttempts(
        [
          {
            fence: second.fence,
            outcome: { kind: 'requeued', reason: 'attempt-failed', runAfter: future },
            events: [],
          },
        ],
        NOW,
      );
      expect(notifier.takeAvailable()).toEqual([capabilityRunJob.name]);

      const third = await running();
      notifier.takeAvailable();
      await store.endAttempts(
        [{ fence: third.fence, outcome: { kind: 'failed', error: problem() }, events: [] }],
        NOW,
      );
      expect(notifier.takeAvailable()).toEqual([]);
      await store.retry('tenant-a', third.job.id, NOW);
      expect(notifier.takeAvailable()).toEqual([capabilityRunJob.name]);
    });

    it('keeps no earlier problem on a job that succeeds after a failed attempt', async () => {
      const { job, fence, worker } = await running();
      await store.endAttempts(
        [
          {
            fence,
            outcome: { kind: 'requeued', reason: 'attempt-failed', runAfter: NOW, error: problem() },
            events: [],
          },
        ],
        NOW,
      );
      expect((await store.get('tenant-a', job.id))?.error).toEqual(problem());
      const [again] = await store.claim(worker, 10, NOW);
      expect(again?.attempts).toBe(2);
      await store.endAttempts(
        [{ fence: { ...fence, attempt: 2 }, outcome: { kind: 'succeeded', result: 'ok' }, events: [] }],
        NOW,
      );
      expect(await store.get('tenant-a', job.id)).toMatchObject({
        status: 'succeeded',
        result: 'ok',
        error: null,
      });
    });

    it('queues no webhook delivery for a job without a webhook', async () => {
      const { fence } = await running();
      await store.endAttempts([{ fence, outcome: { kind: 'succeeded', result: {} }, events: [] }], NOW);
      expect(await store.takeWebhookDeliveries(10, 0, NOW)).toEqual([]);
    });
  });
}

function problem() {
  return { code: 'GATEWAY_UPSTREAM_ERROR', title: 'The model provider failed', status: 502, retryable: true };
}
