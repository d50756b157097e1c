import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testJobSettings } from '../../../test/support/jobs.ts';
import { InProcessNotifier, MemoryJobQueue, type Notifier } from '../../platform/jobs/index.ts';
import { createLogger } from '../../platform/logging/index.ts';
import { CapabilityInvoker, defineCapability } from '../capabilities/index.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';
import { JobRunner } from './job-runner.ts';
import type { AttemptEnd, JobStore, NewJob } from './job-store.port.ts';
import { MemoryJobStore } from './memory-job-store.ts';

/** Waits on its signal, so a test can see an attempt aborted; records every attempt it starts. */
const starts: string[] = [];
const aborted: string[] = [];
const waiter = defineCapability({
  name: 'waiter',
  version: '1.0.0',
  summary: 'Wait',
  description: 'Waits `ms`, or until aborted.',
  input: z.object({ ms: z.number().int() }),
  output: z.object({ waited: z.number() }),
  job: { attempts: 3 },
  run: (input, context) =>
    new Promise((resolve, reject) => {
      starts.push(context.requestId);
      const timer = setTimeout(() => resolve({ waited: input.ms }), input.ms);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        aborted.push(context.requestId);
        reject(context.signal.reason);
      });
    }),
});

const runners: JobRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  starts.length = 0;
  aborted.length = 0;
});

function job(input: unknown): NewJob {
  return {
    id: randomUUID(),
    tenantId: 'tenant-a',
    apiKeyId: null,
    requestId: 'request-1',
    capability: 'waiter',
    capabilityVersion: '1.0.0',
    input,
    maxAttempts: 3,
    timeoutMs: 30_000,
    backoff: { initialMs: 10, maxMs: 20 },
    idempotencyKey: null,
    requestHash: null,
    webhook: null,
  };
}

function runner(store: JobStore, notifier: Notifier, leaseMs: number): JobRunner {
  const settings = testJobSettings();
  const instance = new JobRunner({
    store,
    notifier,
    invoker: new CapabilityInvoker({
      models: new Gateway({ settings: emptyGatewaySettings() }),
      clock: { now: () => new Date() },
      record: () => {},
    }),
    capabilities: [waiter],
    clock: { now: () => new Date() },
    logger: createLogger({ level: 'silent' }),
    settings: { ...settings.runner, leaseMs, pollIntervalMs: 50, exclusive: false },
  });
  runners.push(instance);
  return instance;
}

async function status(store: JobStore, id: string) {
  return (await store.get('tenant-a', id))?.status;
}

describe('JobRunner', () => {
  it('re-queues an attempt whose outcome it could not record, and runs the job again', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    const store = new MemoryJobStore(queue, notifier);
    // The database "fails" every write of an outcome for a while: longer than the runner's own retries.
    let failures = 6;
    const flaky = new Proxy(store, {
      get(target, property) {
        if (property === 'endAttempts') {
          return async (ends: readonly AttemptEnd[], now: Date) => {
            if (failures > 0 && ends.some((end) => end.outcome.kind === 'succeeded')) {
              failures -= 1;
              throw new Error('connection reset');
            }
            return target.endAttempts(ends, now);
          };
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as JobStore;
    const { job: created } = await store.create(job({ ms: 1 }), new Date());
    await runner(flaky, notifier, 300).start();
    await expect.poll(() => status(store, created.id), { timeout: 15_000 }).toBe('succeeded');
    const events = (await store.events('tenant-a', created.id, 0, 100)) ?? [];
    expect(
      events.filter((event) => event.type === 'job-requeued').map((event) => event.data.reason),
    ).toContain('worker-lost');
    expect((await store.get('tenant-a', created.id))?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('abandons its attempts when its lease lapses, and the job is run again under a new lease', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    const store = new MemoryJobStore(queue, notifier);
    const { job: created } = await store.create(job({ ms: 60_000 }), new Date());
    const worker = runner(store, notifier, 300);
    await worker.start();
    await expect.poll(() => status(store, created.id)).toBe('running');
    const first = worker.workerId;
    // Another process ends this worker's lease (as if its heartbeats had stopped reaching the database).
    await store.registerWorker({ id: 'usurper', host: 'elsewhere', pid: 2 }, { evictOthers: true });
    await expect.poll(() => aborted.length, { timeout: 5_000 }).toBe(1);
    await expect.poll(() => worker.workerId).not.toBe(first);
    await expect.poll(() => starts.length, { timeout: 5_000 }).toBe(2);
    const current = await store.get('tenant-a', created.id);
    expect(current).toMatchObject({ status: 'running', attempts: 2, workerId: worker.workerId });
  });

  it('cancels a running job at its next heartbeat when the notification is lost', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    // Every cancellation notification goes missing.
    const deaf: Notifier = {
      kind: 'in-process',
      publish: (channel, payload) => {
        if (channel !== 'keel_job_cancel') notifier.publish(channel, payload);
      },
      subscribe: (channel, listener) => notifier.subscribe(channel, listener),
      close: () => notifier.close(),
    };
    const store = new MemoryJobStore(queue, deaf);
    const { job: created } = await store.create(job({ ms: 60_000 }), new Date());
    await runner(store, deaf, 300).start();
    await expect.poll(() => status(store, created.id)).toBe('running');
    expect((await store.cancel('tenant-a', created.id, new Date()))?.outcome).toBe('requested');
    await expect.poll(() => status(store, created.id), { timeout: 5_000 }).toBe('cancelled');
    expect(aborted).toHaveLength(1);
  });
});
