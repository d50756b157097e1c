import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeJobsApiContract } from '../contracts/jobs-api.contract.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { type KeelWorkerProcess, startKeelWorker } from '../support/keel-worker.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { requires } from '../support/tiers.ts';

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/jobs.keel.config.ts');

function modelEnvironment(upstream: FakeOpenAI): Record<string, string> {
  return { KEEL_CONFIG: CONFIG, OPENAI_BASE_URL: upstream.url, KEEL_MODEL: 'fake-model' };
}

describe('jobs, embedded: keel serve runs its own workers on PGlite', () => {
  let upstream: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    upstream = await startFakeOpenAI({ reply: () => 'An answer' });
    directory = await temporaryDirectory();
    keel = await startKeel({ ...modelEnvironment(upstream), KEEL_DATA_DIR: 'memory://' }, directory.path);
  });
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  describeJobsApiContract('embedded', () => ({ url: keel.url, upstream }));
});

describe('jobs, embedded: durable across restarts of keel serve', () => {
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let keel: KeelProcess | undefined;
  const environment = () => ({
    KEEL_CONFIG: CONFIG,
    KEEL_DATA_DIR: path.join(directory.path, 'data'),
    KEEL_SHUTDOWN_TIMEOUT_MS: '2000',
  });
  beforeAll(async () => {
    directory = await temporaryDirectory();
    // The first start initialises the data directory (slow); the tests then restart on it.
    keel = await startKeel(environment(), directory.path);
  });
  afterAll(async () => {
    await keel?.stop();
    await directory?.remove();
  });

  async function runningJob(process: KeelProcess): Promise<string> {
    const response = await fetch(`${process.url}/v1/echo/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'in flight', delayMs: 3_000 }),
    });
    const { id } = (await response.json()) as { id: string };
    await expect.poll(async () => (await status(process, id)).status, { timeout: 10_000 }).toBe('running');
    return id;
  }

  async function status(process: KeelProcess, id: string): Promise<{ status: string; attempts: number }> {
    return (await (await fetch(`${process.url}/v1/jobs/${id}`)).json()) as {
      status: string;
      attempts: number;
    };
  }

  async function requeueReasons(process: KeelProcess, id: string): Promise<string[]> {
    const text = await (await fetch(`${process.url}/v1/jobs/${id}/events`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; data: { reason?: string } })
      .filter((event) => event.type === 'job-requeued')
      .map((event) => event.data.reason ?? '');
  }

  it('hands a running job back on SIGTERM, uncounted, and runs it after the restart', {
    timeout: 60_000,
  }, async () => {
    const current = keel;
    if (!current) throw new Error('keel is not running');
    const id = await runningJob(current);
    expect(await current.stop()).toBe(0);
    expect(current.logs.some((entry) => entry.msg === 'handing running jobs back to the queue')).toBe(true);
    keel = await startKeel(environment(), directory.path);
    const restarted = keel;
    await expect
      .poll(async () => (await status(restarted, id)).status, { timeout: 15_000 })
      .toBe('succeeded');
    expect((await status(restarted, id)).attempts).toBe(1);
    expect(await requeueReasons(restarted, id)).toEqual(['shutdown']);
  });

  it('recovers a job left running by a kill -9 as soon as keel serve starts again, counting the attempt', {
    timeout: 60_000,
  }, async () => {
    const current = keel;
    if (!current) throw new Error('keel is not running');
    const id = await runningJob(current);
    current.child.kill('SIGKILL');
    await current.exited;
    keel = await startKeel(environment(), directory.path);
    const restarted = keel;
    expect(
      restarted.logs.some((entry) => entry.msg === 'recovered jobs left running by a worker that stopped'),
    ).toBe(true);
    await expect
      .poll(async () => (await status(restarted, id)).status, { timeout: 15_000 })
      .toBe('succeeded');
    expect((await status(restarted, id)).attempts).toBe(2);
    expect(await requeueReasons(restarted, id)).toEqual(['worker-lost']);
  });
});

describe(
  'jobs, scaled: an API process and a keel worker process on PostgreSQL',
  // Without PostgreSQL the suite skips, and the tier summary says why.
  requires('postgres'),
  () => {
    let upstream: FakeOpenAI;
    let temporary: TemporaryDatabase;
    let api: KeelProcess;
    let worker: KeelWorkerProcess;
    let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
    beforeAll(async () => {
      upstream = await startFakeOpenAI({ reply: () => 'An answer' });
      temporary = await createTemporaryDatabase();
      directory = await temporaryDirectory();
      const environment = { ...modelEnvironment(upstream), DATABASE_URL: temporary.url };
      api = await startKeel({ ...environment, KEEL_API_WORKERS: 'off' }, directory.path);
      worker = await startKeelWorker(environment, directory.path);
    });
    afterAll(async () => {
      await api?.stop();
      await worker?.stop();
      await upstream?.close();
      await temporary?.drop();
      await directory?.remove();
    });

    describeJobsApiContract('PostgreSQL, API + keel worker', () => ({ url: api.url, upstream }));

    it('runs every attempt in the worker process, none in the API process', () => {
      expect(api.logs.some((entry) => entry.msg === 'job attempt finished')).toBe(false);
      expect(worker.logs.some((entry) => entry.msg === 'job attempt finished')).toBe(true);
      expect(api.logs.some((entry) => String(entry.msg).startsWith('jobs: no workers in this process'))).toBe(
        true,
      );
    });
  },
);
