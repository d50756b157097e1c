/**
 * P7, cost of growth in scaled mode: on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), how throughput
 * changes from 1 to 2 API processes (the gateway's non-streaming and streaming chat routes) and from 1 to
 * 2 worker processes (no-op jobs end to end). Each configuration starts its own processes on a fresh
 * database; the 1- and 2-process fleets run side by side and take turns under load (rounds, medians). Load is spread evenly over the API processes by one autocannon client per process (an ideal
 * balancer: a proxy in the path would measure itself). Figures are printed as a Markdown table and written
 * to bench/results/scale.json; the growth column is throughput relative to the 1-process row.
 *
 * On a 2-core machine, 2 API processes, the load generator, PostgreSQL and Redis share the same two cores:
 * the growth measured here is a floor, not what two machines would give.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { BenchFailure } from './support/benchmark.ts';
import { type LoadResult, loadFailure, runLoad } from './support/load.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, numberOption, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode, stopAllChildren, waitForLine } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { median } from './support/stats.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'P7 scaled mode: gateway, streaming and jobs throughput with 1 and 2 API processes and 1 and 2 workers on PostgreSQL + Redis';

export const optionsHelp = {
  duration: 'seconds of load per gateway/streaming measurement (default 5)',
  connections: 'total concurrent connections, split over the API processes (default 16)',
  jobs: 'no-op jobs per jobs measurement (default 600)',
  rounds: 'measured rounds; figures are medians across rounds (default 3)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const KEEL_CLI = path.join(ROOT, 'src/main/cli.ts');
const FAKE_CLI = path.join(ROOT, 'test/fixtures/fake-openai/cli.ts');
const JOBS_CONFIG = path.join(ROOT, 'test/fixtures/jobs.keel.config.ts');
const ADMIN_KEY = 'bench-scale-admin-key-0123456789abcd';
const MODEL = 'fake-model';

interface Row {
  readonly workload: 'gateway' | 'streaming' | 'jobs';
  readonly apiProcesses: number;
  readonly workers: number;
  readonly throughput: number;
  readonly unit: string;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

function keelEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const owned = /^(KEEL_|DATABASE_URL$|REDIS_URL$|OPENAI_|ANTHROPIC_|LOG_LEVEL$|PORT$|HOST$|OTEL_)/;
  for (const [name, value] of Object.entries(process.env)) if (!owned.test(name)) env[name] = value;
  return { ...env, ...overrides };
}

async function temporaryDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `keel_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

interface Fleet {
  readonly apis: string[];
  readonly handles: ChildHandle[];
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

async function startFleet(
  apiCount: number,
  workerCount: number,
  upstreamUrl: string,
  workDir: string,
): Promise<Fleet> {
  const serverUrl = process.env.DATABASE_URL as string;
  const database = await temporaryDatabase(serverUrl);
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL as string,
    KEEL_REDIS_PREFIX: `keel-bench:${randomBytes(4).toString('hex')}:`,
    KEEL_CONFIG: JOBS_CONFIG,
    KEEL_ADMIN_KEY: ADMIN_KEY,
    OPENAI_BASE_URL: upstreamUrl,
    KEEL_MODEL: MODEL,
    KEEL_EMBEDDINGS: 'off',
    KEEL_API_WORKERS: 'off',
    KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
    // Limits on (counted in Redis), never reached.
    KEEL_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
  const handles: ChildHandle[] = [];
  const apis: string[] = [];
  // The first API process migrates; the others start on a migrated database.
  for (let index = 0; index < apiCount; index += 1) {
    const port = await freePort();
    const handle = spawnNode({
      name: `keel-api-${index + 1}`,
      nodeArgs: [KEEL_CLI, 'serve'],
      cwd: workDir,
      env: keelEnvironment({ ...shared, PORT: String(port), HOST: '127.0.0.1' }),
      stdout: 'ignore',
    });
    handles.push(handle);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${url}/readyz`, handle, 60_000);
    apis.push(url);
  }
  for (let index = 0; index < workerCount; index += 1) {
    const handle = spawnNode({
      name: `keel-worker-${index + 1}`,
      nodeArgs: [KEEL_CLI, 'worker'],
      cwd: workDir,
      env: keelEnvironment({ ...shared, LOG_LEVEL: 'info' }),
      stdout: 'pipe',
    });
    handles.push(handle);
    await waitForLine(handle, (line) => (line.includes('keel worker is ready') ? true : undefined), 60_000);
  }
  return {
    apis,
    handles,
    databaseUrl: database.url,
    async stop() {
      await Promise.all(handles.map((handle) => handle.stop()));
      await database.drop();
    },
  };
}

/** One autocannon client per API process, at the same time; requests/s summed, latency of the slowest. */
async function spreadLoad(
  apis: readonly string[],
  body: string,
  connections: number,
  durationSeconds: number,
): Promise<{ requestsPerSecond: number; p50: number; p99: number }> {
  const perApi = Math.max(1, Math.round(connections / apis.length));
  const results: LoadResult[] = await Promise.all(
    apis.map((api) =>
      runLoad(
        {
          url: `${api}/openai/v1/chat/completions`,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
          body,
        },
        { connections: perApi, durationSeconds },
      ),
    ),
  );
  for (const result of results) {
    const failure = loadFailure(result);
    if (failure) throw new BenchFailure(`load was not clean: ${failure}`);
  }
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requestsPerSecond, 0),
    p50: Math.max(...results.map((result) => result.latency.p50)),
    p99: Math.max(...results.map((result) => result.latency.p99)),
  };
}

/** Enqueues `count` no-op jobs (32 at a time, spread over the API processes) and waits until all succeeded. */
async function jobsThroughput(fleet: Fleet, count: number): Promise<{ jobsPerSecond: number }> {
  const client = new pg.Client({ connectionString: fleet.databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async (_, lane) => {
        while (next < count) {
          next += 1;
          const api = fleet.apis[lane % fleet.apis.length];
          const response = await fetch(`${api}/v1/echo/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
            body: JSON.stringify({ text: 'noop' }),
          });
          if (response.status !== 202) throw new BenchFailure(`enqueue answered ${response.status}`);
          await response.arrayBuffer();
        }
      }),
    );
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows } = await client.query<{ done: string; failed: string }>(
        `select count(*) filter (where status = 'succeeded') as done,
                count(*) filter (where status in ('failed', 'cancelled')) as failed from job`,
      );
      if (Number(rows[0]?.failed) > 0) throw new BenchFailure(`${rows[0]?.failed} jobs failed`);
      if (Number(rows[0]?.done) >= count) break;
      if (Date.now() > deadline) throw new BenchFailure('jobs did not finish within 5 minutes');
      for (const handle of fleet.handles) handle.assertRunning();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { jobsPerSecond: count / ((performance.now() - started) / 1000) };
  } finally {
    await client.end();
  }
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL)
    throw new BenchFailure('bench/scale needs DATABASE_URL and REDIS_URL (server PostgreSQL and Redis)');
  const duration = numberOption(options, 'duration', 5, { min: 1, max: 600 });
  const connections = numberOption(options, 'connections', 16, { min: 2, max: 1_000 });
  const jobs = numberOption(options, 'jobs', 600, { min: 10, max: 1_000_000 });
  const rounds = numberOption(options, 'rounds', 3, { min: 1, max: 50 });
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-scale-'));
  const rows: Row[] = [];
  try {
    const upstream = spawnNode({
      name: 'fake-openai',
      nodeArgs: [FAKE_CLI, '--port', '0', '--token-delay-ms', '0'],
      stdout: 'pipe',
    });
    const upstreamUrl = await waitForLine(upstream, (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        return typeof parsed.url === 'string' ? parsed.url : undefined;
      } catch {
        return undefined;
      }
    });
    const messages = [{ role: 'user', content: 'Name three uses of a keel on a sailing boat.' }];
    const plain = JSON.stringify({ model: 'default', messages, max_tokens: 64 });
    const streaming = JSON.stringify({ model: 'default', messages, max_tokens: 64, stream: true });

    // Both fleets run side by side; rounds alternate which one is loaded (the order rotates), and each
    // figure is the median across rounds, so 1 and 2 processes are compared under the same neighbours.
    const apiFleets = [
      await startFleet(1, 0, upstreamUrl, workDir),
      await startFleet(2, 0, upstreamUrl, workDir),
    ];
    try {
      for (const fleet of apiFleets) await spreadLoad(fleet.apis, plain, connections, 1);
      for (const [workload, body] of [
        ['gateway', plain],
        ['streaming', streaming],
      ] as const) {
        const samples = apiFleets.map(
          () => [] as Array<{ requestsPerSecond: number; p50: number; p99: number }>,
        );
        for (let round = 0; round < rounds; round += 1) {
          for (let turn = 0; turn < apiFleets.length; turn += 1) {
            const index = (round + turn) % apiFleets.length;
            const fleet = apiFleets[index] as Fleet;
            const measured = await spreadLoad(fleet.apis, body, connections, duration);
            samples[index]?.push(measured);
            process.stderr.write(
              `scale: ${workload}, ${fleet.apis.length} API, round ${round + 1}: ${measured.requestsPerSecond.toFixed(0)}/s\n`,
            );
          }
        }
        for (const [index, fleet] of apiFleets.entries()) {
          const taken = samples[index] ?? [];
          rows.push({
            workload,
            apiProcesses: fleet.apis.length,
            workers: 0,
            throughput: median(taken.map((sample) => sample.requestsPerSecond)),
            unit: 'requests/s',
            p50Ms: median(taken.map((sample) => sample.p50)),
            p99Ms: median(taken.map((sample) => sample.p99)),
          });
        }
      }
    } finally {
      await Promise.all(apiFleets.map((fleet) => fleet.stop()));
    }

    const jobFleets = [
      await startFleet(1, 1, upstreamUrl, workDir),
      await startFleet(1, 2, upstreamUrl, workDir),
    ];
    try {
      for (const fleet of jobFleets) await jobsThroughput(fleet, Math.min(100, jobs));
      const samples = jobFleets.map(() => [] as number[]);
      for (let round = 0; round < rounds; round += 1) {
        for (let turn = 0; turn < jobFleets.length; turn += 1) {
          const index = (round + turn) % jobFleets.length;
          const measured = await jobsThroughput(jobFleets[index] as Fleet, jobs);
          samples[index]?.push(measured.jobsPerSecond);
          process.stderr.write(
            `scale: jobs, ${index + 1} worker(s), round ${round + 1}: ${measured.jobsPerSecond.toFixed(0)}/s\n`,
          );
        }
      }
      for (const [index] of jobFleets.entries()) {
        rows.push({
          workload: 'jobs',
          apiProcesses: 1,
          workers: index + 1,
          throughput: median(samples[index] ?? []),
          unit: 'jobs/s',
          p50Ms: null,
          p99Ms: null,
        });
      }
    } finally {
      await Promise.all(jobFleets.map((fleet) => fleet.stop()));
    }
  } finally {
    await stopAllChildren();
    await rm(workDir, { recursive: true, force: true });
  }

  const baseline = (row: Row) =>
    rows.find((other) => other.workload === row.workload && other.apiProcesses === 1 && other.workers <= 1)
      ?.throughput ?? row.throughput;
  const table = formatTable(
    [
      { header: 'workload' },
      { header: 'API processes', align: 'right' },
      { header: 'workers', align: 'right' },
      { header: 'throughput', align: 'right' },
      { header: 'growth', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
    ],
    rows.map((row) => [
      row.workload,
      String(row.apiProcesses),
      String(row.workers),
      `${row.throughput.toFixed(0)} ${row.unit}`,
      `${(row.throughput / baseline(row)).toFixed(2)}x`,
      row.p50Ms === null ? '' : String(row.p50Ms),
      row.p99Ms === null ? '' : String(row.p99Ms),
    ]),
  );
  process.stdout.write(`${table}\n`);
  const file = await writeResults('scale', {
    machine: machineInfo(),
    settings: { duration, connections, jobs, rounds },
    rows: rows.map((row) => ({ ...row, growth: row.throughput / baseline(row) })),
  });
  process.stdout.write(`results: ${file}\n`);
}
