import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testJobSettings } from '../../../test/support/jobs.ts';
import { InProcessNotifier, MemoryJobQueue, type Notifier } from '../../platform/jobs/index.ts';
import { createLogger } from '../../platform/logging/index.ts';
import { type AnyCapability, CapabilityInvoker, defineCapability } from '../capabilities/index.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';
import { JobRunner } from './job-runner.ts';
import type { JobStore, NewJob } from './job-store.port.ts';
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

function runner(
  store: JobStore,
  notifier: Notifier,
  leaseMs: number,
  capabilities: readonly AnyCapability[] = [waiter],
): JobRunner {
  const settings = testJobSettings();
  const instance = new JobRunner({
    store,
    notifier,
    invoker: new CapabilityInvoker({
      models: new Gateway({ settings: emptyGatewaySettings() }),
      clock: { now: () => new Date() },
      record: () => {},
    }),
    capabilities,
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
  /** The store as a worker sees it through a database outage: writes fail while `down` says so. */
  function throughOutage(store: JobStore, down: (method: string) => boolean): JobStore {
    return new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (down(String(property))) return Promise.reject(new Error('connection reset'));
          return (value as (...inner: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as JobStore;
  }

  it('keeps recording a finished attempt through an outage shorter than its lease, and never runs it again', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    const store = new MemoryJobStore(queue, notifier);
    // The database fails every write for a while once the attempt has finished: longer than a few quick
    // retries, shorter than the lease.
    let failures = 4;
    let outage = false;
    const flaky = throughOutage(store, (method) => {
      if (method === 'endAttempts' && failures > 0) {
        outage = true;
        failures -= 1;
        if (failures === 0) outage = false;
        return true;
      }
      return outage && method === 'heartbeat';
    });
    const { job: created } = await store.create(job({ ms: 1 }), new Date());
    await runner(flaky, notifier, 5_000).start();
    await expect.poll(() => status(store, created.id), { timeout: 15_000 }).toBe('succeeded');
    expect(failures).toBe(0);
    expect(starts).toHaveLength(1);
    const events = (await store.events('tenant-a', created.id, 0, 100)) ?? [];
    expect(events.map((event) => event.type)).not.toContain('job-requeued');
    expect((await store.get('tenant-a', created.id))?.attempts).toBe(1);
  });

  it('drops an outcome it could not record before its lease lapsed, and the job runs again (at least once)', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    const store = new MemoryJobStore(queue, notifier);
    // A long outage: nothing reaches the database until well after the 300 ms lease.
    let downUntil = 0;
    const flaky = throughOutage(store, (method) => {
      if (method === 'endAttempts' && downUntil === 0) downUntil = Date.now() + 1_500;
      return Date.now() < downUntil && method !== 'registerWorker';
    });
    const { job: created } = await store.create(job({ ms: 1 }), new Date());
    await runner(flaky, notifier, 300).start();
    await expect.poll(() => status(store, created.id), { timeout: 15_000 }).toBe('succeeded');
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect((await store.get('tenant-a', created.id))?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a worker paused past its lease does not apply its effect after resuming; the idempotency key is stable', async () => {
    const queue = new MemoryJobQueue();
    const notifier = new InProcessNotifier();
    const store = new MemoryJobStore(queue, notifier);
    const effects: Array<{ attempt: number; key: string }> = [];
    const keys: string[] = [];
    const gate = () => {
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    // Attempt 1 (worker A) stalls until A resumes; attempt 2 (worker B) until A has had its chance.
    const gates = [gate(), gate()];
    const effector = defineCapability({
      name: 'waiter',
      version: '1.0.0',
      summary: 'Effect',
      description: 'Applies one external effect; its first attempt stalls until the test resumes it.',
      input: z.object({ ms: z.number().int() }),
      output: z.object({ waited: z.number() }),
      run: async (_input, context) => {
        const attempt = context.job?.attempt ?? 0;
        keys.push(context.job?.idempotencyKey ?? 'none');
        starts.push(context.requestId);
        await gates[attempt - 1]?.opened;
        await context.step('effect', async ({ key }) => {
          effects.push({ attempt, key });
        });
        return { waited: 0 };
      },
    });
    // Worker A is "paused" (SIGSTOP): its heartbeats never arrive and it claims nothing, until resumed.
    let paused = false;
    const frozen = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (paused && property === 'heartbeat') return new Promise(() => {});
          if (paused && property === 'claim') return Promise.resolve([]);
          return (value as (...inner: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as JobStore;
    const { job: created } = await store.create(job({ ms: 0 }), new Date());
    const a = runner(frozen, notifier, 300, [effector]);
    await a.start();
    await expect.poll(() => starts.length).toBe(1);
    paused = true;
    // Worker B recovers the job once A's lease lapses, and starts attempt 2.
    await runner(store, notifier, 300, [effector]).start();
    await expect.poll(() => starts.length, { timeout: 10_000 }).toBe(2);
    // A resumes and carries on where it stopped: the step's fenced start finds the job is not its own.
    paused = false;
    gates[0]?.open();
    await expect.poll(() => a.running, { timeout: 5_000 }).toBe(0);
    expect(effects).toEqual([]);
    gates[1]?.open();
    await expect.poll(() => status(store, created.id), { timeout: 10_000 }).toBe('succeeded');
    expect(effects).toEqual([{ attempt: 2, key: `${created.id}:effect` }]);
    expect(keys).toEqual([`keel-job:${created.id}`, `keel-job:${created.id}`]);
    expect(await store.get('tenant-a', created.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
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
