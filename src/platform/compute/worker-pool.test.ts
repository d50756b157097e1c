import { afterEach, describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../errors/index.ts';
import { withComputePriority } from './priority.ts';
import type { SettledTask } from './worker-pool.ts';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.ts';

const WORKER = new URL('../../../test/fixtures/compute/test-worker.ts', import.meta.url);

let pool: WorkerPool | undefined;
let settled: SettledTask[] = [];

function createPool(options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  settled = [];
  pool = new WorkerPool({
    filename: WORKER,
    threads: 1,
    observer: { taskSettled: (task) => settled.push(task) },
    ...options,
  });
  return pool;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('WorkerPool', () => {
  it('runs a task on a worker thread and moves typed arrays back', async () => {
    const compute = createPool();
    const echoed = await compute.run<{ value: unknown }>('echo', { value: { a: [1, 2] } });
    expect(echoed.value).toEqual({ a: [1, 2] });
    const { vector } = await compute.run<{ vector: Float32Array }>('vector', { length: 512 });
    expect(vector).toBeInstanceOf(Float32Array);
    expect(vector.length).toBe(512);
    const bytes = new Uint8Array([1, 2, 3]);
    expect(await compute.run('sum', { bytes }, { transfer: [bytes.buffer] })).toBe(6);
    expect(bytes.byteLength).toBe(0); // moved, not copied
    expect(settled.map((task) => task.outcome)).toEqual(['completed', 'completed', 'completed']);
  });

  it('carries a handler error back through reviveError, and the thread keeps serving', async () => {
    const compute = createPool({
      reviveError: (error) =>
        new AppError(
          {
            code: error.code ?? 'X',
            status: 422,
            title: 't',
            category: 'user',
            retryable: false,
            description: '',
          },
          { detail: error.detail ?? '', details: error.details ?? {} },
        ),
    });
    const error = await rejection(compute.run('refuse', {}));
    expect(isAppError(error) && error.code).toBe('TEST_TASK_REFUSED');
    expect(isAppError(error) && error.details).toEqual({ field: 'x' });
    const after = await compute.run<{ tasksOnThisThread: number }>('echo', { value: 1 });
    expect(after.tasksOnThisThread).toBe(1);
    expect(settled[0]?.outcome).toBe('failed');
  });

  it('a thread that exits fails only its own task and is replaced', async () => {
    const compute = createPool({ threads: 1 });
    const before = await compute.run<{ threadId: string }>('echo', { value: 0 });
    const queuedBehind = compute.run<{ threadId: string }>('echo', { value: 1 });
    const crash = await rejection(compute.run('crash', {}));
    expect(isAppError(crash) && crash.code).toBe('COMPUTE_WORKER_CRASHED');
    const after = await compute.run<{ threadId: string }>('echo', { value: 2 });
    expect((await queuedBehind).threadId).toBe(before.threadId);
    expect(after.threadId).not.toBe(before.threadId);
    expect(settled.map((task) => task.outcome)).toContain('crashed');
  });

  it('a caller abort removes a queued task before it starts', async () => {
    const compute = createPool();
    await compute.run('echo', { value: 'warm' }); // the thread is up: only queueing is measured
    const busy = compute.run('spin', { ms: 300, cooperative: false });
    const controller = new AbortController();
    const queued = compute.run('echo', { value: 1 }, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    const error = await rejection(queued);
    expect((error as Error).message).toBe('client went away');
    expect(compute.stats().queued.interactive).toBe(0);
    await busy;
    const cancelled = settled.find((task) => task.kind === 'echo' && task.outcome !== 'completed');
    expect(cancelled?.outcome).toBe('cancelled');
    expect(cancelled?.runMs).toBe(0);
  });

  it('a caller abort stops a running task that listens, keeping its thread', async () => {
    const compute = createPool();
    const first = await compute.run<{ threadId: string }>('echo', { value: 0 });
    const controller = new AbortController();
    const running = compute.run('spin', { ms: 20_000, cooperative: true }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(new Error('cancelled by the job'));
    expect(((await rejection(running)) as Error).message).toBe('cancelled by the job');
    const after = await compute.run<{ threadId: string }>('echo', { value: 1 });
    expect(after.threadId).toBe(first.threadId);
  });

  it('a caller abort stops a running task that does not listen by stopping its thread', async () => {
    const compute = createPool({ cancelGraceMs: 100 });
    const first = await compute.run<{ threadId: string }>('echo', { value: 0 });
    const controller = new AbortController();
    const running = compute.run('spin', { ms: 20_000, cooperative: false }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(new Error('gone'));
    expect(((await rejection(running)) as Error).message).toBe('gone');
    const after = await compute.run<{ threadId: string }>('echo', { value: 1 });
    expect(after.threadId).not.toBe(first.threadId);
  });

  it('stops a task past its run-time limit with COMPUTE_TASK_TIMEOUT', async () => {
    const compute = createPool({ taskTimeoutMs: 150 });
    const error = await rejection(compute.run('spin', { ms: 20_000, cooperative: false }));
    expect(isAppError(error) && error.code).toBe('COMPUTE_TASK_TIMEOUT');
    expect(await compute.run<{ value: number }>('echo', { value: 3 })).toMatchObject({ value: 3 });
    expect(settled[0]?.outcome).toBe('timed-out');
  });

  it('refuses an interactive task that waited past the queue timeout, with Retry-After and the depth', async () => {
    const compute = createPool({ queueTimeoutMs: 100 });
    await compute.run('echo', { value: 'warm' }); // the thread is up: only queueing is measured
    const busy = compute.run('spin', { ms: 600, cooperative: false });
    const error = await rejection(compute.run('echo', { value: 1 }));
    expect(isAppError(error) && error.code).toBe('COMPUTE_POOL_SATURATED');
    if (!isAppError(error)) throw error;
    expect(Number(error.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(error.details).toMatchObject({ threads: 1 });
    await busy;
  });

  it('refuses at once when the interactive queue is full', async () => {
    const compute = createPool({ maxQueue: 2 });
    await compute.run('echo', { value: 'warm' }); // the thread is up: only queueing is measured
    const busy = compute.run('spin', { ms: 400, cooperative: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = [compute.run('echo', { value: 1 }), compute.run('echo', { value: 2 })];
    const error = await rejection(compute.run('echo', { value: 3 }));
    expect(isAppError(error) && error.code).toBe('COMPUTE_POOL_SATURATED');
    await Promise.all([busy, ...waiting]);
    expect(settled.filter((task) => task.outcome === 'refused')).toHaveLength(1);
  });

  it('serves interactive tasks before queued background ones', async () => {
    const compute = createPool();
    await compute.run('echo', { value: 'warm' }); // the thread is up: only queueing is measured
    const busy = compute.run('spin', { ms: 300, cooperative: false, label: 'busy' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const background = withComputePriority('background', () => [
      compute.run<{ finishedAt: number }>('spin', { ms: 20, cooperative: false, label: 'b1' }),
      compute.run<{ finishedAt: number }>('spin', { ms: 20, cooperative: false, label: 'b2' }),
    ]);
    const interactive = compute.run<{ finishedAt: number }>('spin', {
      ms: 20,
      cooperative: false,
      label: 'i',
    });
    const [first, second] = await Promise.all(background);
    const urgent = await interactive;
    await busy;
    expect(urgent.finishedAt).toBeLessThanOrEqual(first?.finishedAt ?? 0);
    expect(first?.finishedAt ?? 0).toBeLessThanOrEqual(second?.finishedAt ?? 0);
    expect(settled.find((task) => task.kind === 'spin' && task.priority === 'background')).toBeDefined();
  });

  it('background tasks are never refused for waiting', async () => {
    const compute = createPool({ queueTimeoutMs: 50 });
    await compute.run('echo', { value: 'warm' }); // the thread is up: only queueing is measured
    const busy = compute.run('spin', { ms: 300, cooperative: false });
    const background = withComputePriority('background', () => compute.run('echo', { value: 'late' }));
    await expect(background).resolves.toMatchObject({ value: 'late' });
    await busy;
  });
});
