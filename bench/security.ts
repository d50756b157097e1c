/**
 * What authentication and limits cost per request. One cheap authenticated route (`GET /v1/models`, served
 * from memory) is loaded through each layer in turn: open local access (no key), the bootstrap admin key,
 * an API key (scrypt-verified once, then recognised by digest), an API key with a requests-per-minute
 * limit counted in memory, and the same counted in Redis (when REDIS_URL is set). `/healthz` (public: no
 * key, no request log) is the floor. Telemetry (spans, metrics) and the request log are on throughout, as
 * in production. Variants are measured side by side in alternating rounds; figures are medians, and a
 * sequential probe times each variant at sub-millisecond resolution.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchFailure } from './support/benchmark.ts';
import { type LoadRequest, loadFailure, runLoad } from './support/load.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, numberOption, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode, stopAllChildren } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { median } from './support/stats.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'Per-request cost of auth (admin key, API key) and request limits (memory, Redis) on a cheap route';

export const optionsHelp = {
  duration: 'seconds per measured round and variant (default 4)',
  connections: 'concurrent connections (default 16)',
  rounds: 'measured rounds; figures are medians across rounds (default 3)',
  probe: 'sequential requests per variant for the latency probe, 0 to skip (default 1500)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const KEEL_CLI = path.join(ROOT, 'src/main/cli.ts');
const ADMIN_KEY = 'bench-security-admin-key-0123456789';

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly request: LoadRequest;
}

function keelEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const owned = /^(KEEL_|DATABASE_URL$|REDIS_URL$|OPENAI_|ANTHROPIC_|LOG_LEVEL$|PORT$|HOST$|OTEL_)/;
  for (const [name, value] of Object.entries(process.env)) if (!owned.test(name)) env[name] = value;
  return { ...env, ...overrides };
}

async function startKeel(
  name: string,
  workDir: string,
  extra: Record<string, string>,
): Promise<{ url: string; handle: ChildHandle }> {
  const port = await freePort();
  const handle = spawnNode({
    name,
    nodeArgs: [KEEL_CLI, 'serve'],
    cwd: workDir,
    env: keelEnvironment({
      PORT: String(port),
      HOST: '127.0.0.1',
      KEEL_DATA_DIR: 'memory://',
      LOG_LEVEL: 'info',
      ...extra,
    }),
    stdout: { file: path.join(workDir, `${name}.log`) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 60_000);
  return { url, handle };
}

async function createKey(url: string, limits: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/v1/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['models:read'], limits }),
  });
  if (response.status !== 201)
    throw new BenchFailure(`key not created: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

function get(url: string, token?: string): LoadRequest {
  return { url, method: 'GET', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) };
}

async function probe(request: LoadRequest, count: number): Promise<{ p50: number; p99: number }> {
  const timings: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    const response = await fetch(request.url, { headers: request.headers ?? {} });
    await response.arrayBuffer();
    if (response.status !== 200) throw new BenchFailure(`${request.url} answered ${response.status}`);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const at = (quantile: number) =>
    timings[Math.min(timings.length - 1, Math.floor(quantile * timings.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const seconds = numberOption(options, 'duration', 4);
  const connections = numberOption(options, 'connections', 16);
  const rounds = numberOption(options, 'rounds', 3);
  const probeCount = numberOption(options, 'probe', 1_500);
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-security-'));
  try {
    const open = await startKeel('open', workDir, {});
    const keyed = await startKeel('keys', workDir, { KEEL_ADMIN_KEY: ADMIN_KEY });
    const variants: Variant[] = [
      {
        id: 'healthz',
        label: '/healthz (public: no key, no request log)',
        request: get(`${open.url}/healthz`),
      },
      { id: 'open', label: 'open local access (no key)', request: get(`${open.url}/v1/models`) },
      { id: 'admin', label: 'bootstrap admin key', request: get(`${keyed.url}/v1/models`, ADMIN_KEY) },
      { id: 'key', label: 'API key', request: get(`${keyed.url}/v1/models`, await createKey(keyed.url, {})) },
      {
        id: 'key+rpm',
        label: 'API key + requests/min (memory)',
        request: get(`${keyed.url}/v1/models`, await createKey(keyed.url, { requestsPerMinute: 1_000_000 })),
      },
    ];
    const redisUrl = process.env.REDIS_URL;
    if (redisUrl) {
      const shared = await startKeel('redis', workDir, {
        KEEL_ADMIN_KEY: ADMIN_KEY,
        REDIS_URL: redisUrl,
        KEEL_REDIS_PREFIX: `bench-security-${process.pid}:`,
      });
      variants.push({
        id: 'key+rpm(redis)',
        label: 'API key + requests/min (Redis)',
        request: get(
          `${shared.url}/v1/models`,
          await createKey(shared.url, { requestsPerMinute: 1_000_000 }),
        ),
      });
    }

    const measured = new Map<string, Array<{ rps: number; p50: number; p99: number }>>();
    for (const variant of variants) await runLoad(variant.request, { connections, durationSeconds: 1 });
    for (let round = 0; round < rounds; round += 1) {
      const order = [
        ...variants.slice(round % variants.length),
        ...variants.slice(0, round % variants.length),
      ];
      for (const variant of order) {
        const result = await runLoad(variant.request, { connections, durationSeconds: seconds });
        const failure = loadFailure(result);
        if (failure) throw new BenchFailure(`${variant.id}: ${failure}`);
        measured.set(variant.id, [
          ...(measured.get(variant.id) ?? []),
          { rps: result.requestsPerSecond, p50: result.latency.p50, p99: result.latency.p99 },
        ]);
      }
    }
    const probes = new Map<string, { p50: number; p99: number }>();
    if (probeCount > 0)
      for (const variant of variants) probes.set(variant.id, await probe(variant.request, probeCount));

    const base = median((measured.get('open') ?? []).map((entry) => entry.rps));
    const baseProbe = probes.get('open')?.p50 ?? 0;
    const rows = variants.map((variant) => {
      const entries = measured.get(variant.id) ?? [];
      const rps = median(entries.map((entry) => entry.rps));
      const probed = probes.get(variant.id);
      return {
        id: variant.id,
        label: variant.label,
        requestsPerSecond: Math.round(rps),
        relativeToOpen: Math.round((rps / base) * 100) / 100,
        p50Ms: median(entries.map((entry) => entry.p50)),
        p99Ms: median(entries.map((entry) => entry.p99)),
        probeP50Ms: probed ? Math.round(probed.p50 * 1000) / 1000 : null,
        probeAddedMs: probed ? Math.round((probed.p50 - baseProbe) * 1000) / 1000 : null,
      };
    });
    const table = formatTable(
      [
        { header: 'variant' },
        { header: 'req/s', align: 'right' },
        { header: 'vs open', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'sequential p50 ms', align: 'right' },
        { header: 'added vs open ms', align: 'right' },
      ],
      rows.map((row) => [
        row.label,
        String(row.requestsPerSecond),
        `${row.relativeToOpen.toFixed(2)}x`,
        String(row.p50Ms),
        String(row.p99Ms),
        row.probeP50Ms === null ? '-' : row.probeP50Ms.toFixed(3),
        row.probeAddedMs === null ? '-' : row.probeAddedMs.toFixed(3),
      ]),
    );
    process.stdout.write(
      `\n${table}\n\n${connections} connections, ${rounds} rounds of ${seconds} s; GET /v1/models\n`,
    );
    const file = await writeResults('security', {
      machine: machineInfo(),
      settings: { seconds, connections, rounds, probeCount },
      rows,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await stopAllChildren();
    rmSync(workDir, { recursive: true, force: true });
  }
}
