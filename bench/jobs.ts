/**
 * P4 (+ P7 sizes) for durable jobs, with a no-op capability so the job machinery is what is measured:
 *   embedded   `keel serve` as composed by the CLI (PGlite in a data directory, workers in process), driven
 *              in process through the HTTP app (`inject`): jobs/s from the first enqueue to the last success,
 *              and enqueue-to-start latency of a paced run (client clock when sent -> attempt start);
 *   postgres   one `keel serve` (no workers) and 2 `keel worker` processes on PostgreSQL: jobs/s end to end
 *              through HTTP, jobs/s draining jobs inserted in bulk (the workers' capacity), and the paced
 *              latency run.
 * Figures are printed as tables and written to bench/results/jobs.json.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { createApiDependencies } from '../src/main/api.ts';
import { buildApp } from '../src/main/build-app.ts';
import { createJobDependencies } from '../src/main/job-dependencies.ts';
import { ResourceScope } from '../src/main/resource-scope.ts';
import type { NewJob } from '../src/modules/jobs/index.ts';
import { openDatabase } from '../src/platform/db/index.ts';
import { createLogger } from '../src/platform/logging/index.ts';
import { BenchFailure } from './support/benchmark.ts';
import { machineInfo } from './support/machine.ts';
import {
  type BenchOptions,
  listOption,
  numberListOption,
  numberOption,
  rejectUnknownOptions,
} from './support/options.ts';
import { type ChildHandle, spawnNode, waitForLine } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';

export const description =
  'P4: no-op jobs/s end to end and enqueue-to-start p50/p99, embedded (PGlite) and PostgreSQL (API + 2 keel workers)';

export const optionsHelp = {
  targets: 'embedded,postgres (default: both; postgres needs --database-url or DATABASE_URL)',
  sizes: 'jobs per throughput run, one run per size (default 1000,10000)',
  concurrency: 'enqueue requests in flight (default 64)',
  'latency-jobs': 'jobs in the paced latency run (default 300)',
  rate: 'jobs/s of the paced latency run (default 50)',
  'worker-concurrency': 'KEEL_WORKER_CONCURRENCY of each worker (default 64)',
  'database-url': 'PostgreSQL server for the postgres target (a temporary database is created on it)',
};

const CONFIG = path.resolve(import.meta.dirname, 'fixtures/jobs.keel.config.ts');
const CLI = path.resolve(import.meta.dirname, '../src/main/cli.ts');

interface Throughput {
  readonly target: string;
  readonly mode: string;
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  readonly enqueuePerSecond: number | null;
}

interface Latency {
  readonly target: string;
  readonly jobs: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

interface Settings {
  readonly sizes: readonly number[];
  readonly concurrency: number;
  readonly latencyJobs: number;
  readonly rate: number;
  readonly workerConcurrency: number;
}

/**
 * Counts jobs of a run by status, and their enqueue-to-start latencies, in whichever database. Counting
 * reads only the jobs created since the run began (an index range), and not too often: on PGlite the probe
 * shares the one session with the jobs it measures.
 */
interface Probe {
  succeeded(run: string, since: Date): Promise<number>;
  latencies(run: string): Promise<number[]>;
}

const POLL_MS = 50;

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const databaseUrl = (options['database-url'] as string | undefined) ?? process.env.DATABASE_URL;
  const targets = listOption(
    options,
    'targets',
    ['embedded', 'postgres'] as const,
    databaseUrl ? ['embedded', 'postgres'] : ['embedded'],
  );
  const settings: Settings = {
    sizes: numberListOption(options, 'sizes', [1_000, 10_000], { min: 10, integer: true }),
    concurrency: numberOption(options, 'concurrency', 64, { min: 1, max: 1_024, integer: true }),
    latencyJobs: numberOption(options, 'latency-jobs', 300, { min: 10, integer: true }),
    rate: numberOption(options, 'rate', 50, { min: 1, max: 5_000 }),
    workerConcurrency: numberOption(options, 'worker-concurrency', 64, { min: 1, max: 1_000, integer: true }),
  };
  const throughput: Throughput[] = [];
  const latency: Latency[] = [];
  if (targets.includes('embedded')) await embedded(settings, throughput, latency);
  if (targets.includes('postgres')) {
    if (!databaseUrl) throw new BenchFailure('the postgres target needs --database-url or DATABASE_URL');
    await postgres(databaseUrl, settings, throughput, latency);
  }

  process.stdout.write(
    `\n${formatTable(
      [
        { header: 'target' },
        { header: 'how jobs arrive' },
        { header: 'jobs', align: 'right' },
        { header: 'seconds', align: 'right' },
        { header: 'jobs/s', align: 'right' },
        { header: 'enqueues/s', align: 'right' },
      ],
      throughput.map((row) => [
        row.target,
        row.mode,
        String(row.jobs),
        row.seconds.toFixed(2),
        String(Math.round(row.jobsPerSecond)),
        row.enqueuePerSecond === null ? '-' : String(Math.round(row.enqueuePerSecond)),
      ]),
    )}\n\n${formatTable(
      [
        { header: 'target' },
        { header: 'paced at', align: 'right' },
        { header: 'jobs', align: 'right' },
        { header: 'enqueue-to-start p50', align: 'right' },
        { header: 'p90', align: 'right' },
        { header: 'p99', align: 'right' },
      ],
      latency.map((row) => [
        row.target,
        `${row.rate}/s`,
        String(row.jobs),
        `${row.p50Ms.toFixed(1)} ms`,
        `${row.p90Ms.toFixed(1)} ms`,
        `${row.p99Ms.toFixed(1)} ms`,
      ]),
    )}\n`,
  );
  const file = await writeResults('jobs', {
    machine: machineInfo(),
    settings,
    throughput,
    latency,
    at: new Date().toISOString(),
  });
  process.stdout.write(`\nresults: ${file}\n`);
}

async function embedded(settings: Settings, throughput: Throughput[], latency: Latency[]): Promise<void> {
  const directory = await mkdtemp(path.join(tmpdir(), 'keel-bench-jobs-'));
  log(`embedded: initialising PGlite in ${directory}`);
  const config = await loadConfig({
    environment: {
      KEEL_DATA_DIR: path.join(directory, 'data'),
      KEEL_CONFIG: CONFIG,
      LOG_LEVEL: 'error',
      KEEL_WORKER_CONCURRENCY: String(settings.workerConcurrency),
      KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
      KEEL_EMBEDDINGS: 'off',
    },
    cwd: directory,
  });
  const logger = createLogger({ level: 'error' });
  const dependencies = await createApiDependencies(config, logger);
  const platform = await buildApp(dependencies);
  const db = dependencies.database.db;
  const probe: Probe = {
    async succeeded(run, since) {
      const { rows } = await sql<{ count: number }>`
        select count(*)::int as count from job
        where tenant_id = 'default' and created_at >= ${since} and status = 'succeeded' and input->>'run' = ${run}`.execute(
        db,
      );
      return rows[0]?.count ?? 0;
    },
    async latencies(run) {
      const { rows } = await sql<{ ms: number }>`
        select extract(epoch from attempt_started_at) * 1000 - (input->>'sentAt')::float8 as ms
        from job where input->>'run' = ${run}`.execute(db);
      return rows.map((row) => Number(row.ms));
    },
  };
  const enqueue = async (body: Record<string, unknown>) => {
    const response = await platform.app.inject({ method: 'POST', url: '/v1/noop/jobs', payload: body });
    if (response.statusCode !== 202)
      throw new BenchFailure(`enqueue answered ${response.statusCode}: ${response.body}`);
  };
  try {
    // The same jobs enqueued through JobService directly: the job machinery without the HTTP stack
    // (routing, auth, limits, request log, telemetry) that every request pays for.
    const service = platform.jobs.service;
    const direct = async (body: Record<string, unknown>) => {
      await service.create({
        tenantId: 'default',
        apiKeyId: null,
        requestId: randomUUID(),
        capability: 'noop',
        input: body,
        inputPointer: '/body',
      });
    };
    await warmUp(enqueue, probe);
    for (const size of settings.sizes) {
      throughput.push(
        await throughputRun('embedded', 'HTTP (in process)', size, settings.concurrency, enqueue, probe),
      );
      throughput.push(
        await throughputRun('embedded', 'JobService (no HTTP)', size, settings.concurrency, direct, probe),
      );
    }
    latency.push(await latencyRun('embedded', settings, enqueue, probe));
  } finally {
    await platform.app.close();
    await dependencies.close();
    await rm(directory, { recursive: true, force: true });
  }
}

async function postgres(
  serverUrl: string,
  settings: Settings,
  throughput: Throughput[],
  latency: Latency[],
): Promise<void> {
  const name = `keel_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const children: ChildHandle[] = [];
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    const environment = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      KEEL_CONFIG: CONFIG,
      LOG_LEVEL: 'info',
      KEEL_WORKER_CONCURRENCY: String(settings.workerConcurrency),
      KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
      KEEL_EMBEDDINGS: 'off',
      REDIS_URL: '',
    };
    log('postgres: starting keel serve (no workers) and 2 keel worker processes');
    const api = spawnNode({
      name: 'keel-api',
      nodeArgs: [CLI, 'serve'],
      env: { ...environment, PORT: '0', KEEL_API_WORKERS: 'off' },
      stdout: 'pipe',
    });
    children.push(api);
    const base = await waitForLine(api, (line) => readyUrl(line, 'keel is ready'), 60_000);
    for (const index of [1, 2]) {
      const worker = spawnNode({
        name: `keel-worker-${index}`,
        nodeArgs: [CLI, 'worker'],
        env: environment,
        stdout: 'pipe',
      });
      children.push(worker);
      await waitForLine(
        worker,
        (line) => (line.includes('"keel worker is ready"') ? true : undefined),
        60_000,
      );
    }
    await client.connect();
    const probe: Probe = {
      async succeeded(run, since) {
        const { rows } = await client.query<{ count: number }>(
          `select count(*)::int as count from job
           where tenant_id = 'default' and created_at >= $2 and status = 'succeeded' and input->>'run' = $1`,
          [run, since],
        );
        return rows[0]?.count ?? 0;
      },
      async latencies(run) {
        const { rows } = await client.query<{ ms: number }>(
          `select extract(epoch from attempt_started_at) * 1000 - (input->>'sentAt')::float8 as ms from job where input->>'run' = $1`,
          [run],
        );
        return rows.map((row) => Number(row.ms));
      },
    };
    const enqueue = async (body: Record<string, unknown>) => {
      const response = await fetch(`${base}/v1/noop/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new BenchFailure(`enqueue answered ${response.status}`);
    };
    await warmUp(enqueue, probe);
    for (const size of settings.sizes) {
      throughput.push(
        await throughputRun(
          'postgres, 2 workers',
          'HTTP (one API process)',
          size,
          settings.concurrency,
          enqueue,
          probe,
        ),
      );
      throughput.push(await drainRun(databaseUrl, size, probe));
    }
    latency.push(await latencyRun('postgres, 2 workers', settings, enqueue, probe));
  } finally {
    await client.end().catch(() => {});
    await Promise.all(children.map((child) => child.stop()));
    await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

async function warmUp(
  enqueue: (body: Record<string, unknown>) => Promise<void>,
  probe: Probe,
): Promise<void> {
  const run = `warm-${randomUUID()}`;
  const since = new Date(Date.now() - 1_000);
  await Promise.all(Array.from({ length: 50 }, () => enqueue({ run })));
  await waitFor(probe, run, since, 50, 60_000);
}

async function throughputRun(
  target: string,
  mode: string,
  jobs: number,
  concurrency: number,
  enqueue: (body: Record<string, unknown>) => Promise<void>,
  probe: Probe,
): Promise<Throughput> {
  const run = `throughput-${randomUUID()}`;
  log(`${target}: ${jobs} jobs, ${concurrency} enqueues in flight`);
  const since = new Date(Date.now() - 1_000);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, jobs) }, async () => {
      while (next < jobs) {
        next += 1;
        await enqueue({ run });
      }
    }),
  );
  const enqueued = performance.now();
  await waitFor(probe, run, since, jobs, 600_000);
  const seconds = (performance.now() - started) / 1000;
  return {
    target,
    mode,
    jobs,
    seconds,
    jobsPerSecond: jobs / seconds,
    enqueuePerSecond: jobs / ((enqueued - started) / 1000),
  };
}

/** The workers' own capacity: jobs inserted in bulk (1,000 per transaction) while the workers run. */
async function drainRun(databaseUrl: string, jobs: number, probe: Probe): Promise<Throughput> {
  const run = `drain-${randomUUID()}`;
  log(`postgres, 2 workers: draining ${jobs} jobs inserted in bulk`);
  const logger = createLogger({ level: 'error' });
  const config = await loadConfig({
    environment: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', KEEL_CONFIG: CONFIG },
    cwd: process.cwd(),
  });
  const scope = new ResourceScope();
  const database = await scope.open(
    'the database',
    () => openDatabase({ kind: 'postgres', url: databaseUrl }),
    (opened) => opened.close(),
  );
  const { store } = await createJobDependencies(scope, config, database, logger, 'cli');
  try {
    const since = new Date(Date.now() - 1_000);
    const started = performance.now();
    for (let offset = 0; offset < jobs; offset += 1_000) {
      const batch: NewJob[] = Array.from({ length: Math.min(1_000, jobs - offset) }, () => ({
        id: randomUUID(),
        tenantId: 'default',
        apiKeyId: null,
        requestId: run,
        capability: 'noop',
        capabilityVersion: '1.0.0',
        input: { run },
        maxAttempts: 1,
        timeoutMs: 60_000,
        backoff: { initialMs: 1_000, maxMs: 60_000 },
        idempotencyKey: null,
        requestHash: null,
        webhook: null,
      }));
      await store.createMany(batch, new Date());
    }
    const inserted = performance.now();
    await waitFor(probe, run, since, jobs, 600_000);
    const seconds = (performance.now() - started) / 1000;
    return {
      target: 'postgres, 2 workers',
      mode: 'bulk insert (1,000 per transaction)',
      jobs,
      seconds,
      jobsPerSecond: jobs / seconds,
      enqueuePerSecond: jobs / ((inserted - started) / 1000),
    };
  } finally {
    await scope.close();
  }
}

async function latencyRun(
  target: string,
  settings: Settings,
  enqueue: (body: Record<string, unknown>) => Promise<void>,
  probe: Probe,
): Promise<Latency> {
  const run = `latency-${randomUUID()}`;
  log(`${target}: ${settings.latencyJobs} jobs paced at ${settings.rate}/s`);
  const interval = 1000 / settings.rate;
  const since = new Date(Date.now() - 1_000);
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let index = 0; index < settings.latencyJobs; index += 1) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sends.push(enqueue({ run, sentAt: Date.now() }));
  }
  await Promise.all(sends);
  await waitFor(probe, run, since, settings.latencyJobs, 120_000);
  const values = (await probe.latencies(run)).sort((a, b) => a - b);
  const at = (p: number) =>
    values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? Number.NaN;
  return { target, jobs: values.length, rate: settings.rate, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99) };
}

async function waitFor(
  probe: Probe,
  run: string,
  since: Date,
  jobs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await probe.succeeded(run, since);
    if (done >= jobs) return;
    if (Date.now() > deadline)
      throw new BenchFailure(`only ${done} of ${jobs} jobs succeeded within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

function readyUrl(line: string, message: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    return entry.msg === message ? entry.url : undefined;
  } catch {
    return undefined;
  }
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function log(message: string): void {
  process.stderr.write(`bench jobs: ${message}\n`);
}
