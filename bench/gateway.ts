/**
 * P1, gateway overhead: Keel's `POST /openai/v1/chat/completions` (auth, validation, limits, logging,
 * metrics and usage accounting on) against a bare `node:http` forwarder doing the least a proxy must
 * (bench/support/chat-forwarder.ts) and against the fake upstream called directly, at 16 and 64
 * connections in one run. Each target is its own process, started once; autocannon loads them from this
 * process in alternating rounds (the order rotates each round) and figures are medians across rounds, so
 * ratios compare numbers taken side by side on the same noisy machine. A sequential probe (one request at a
 * time, timed with performance.now) measures the latency each hop adds at sub-millisecond resolution.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchFailure } from './support/benchmark.ts';
import {
  collectCpuProfile,
  cpuProfileFlags,
  formatCpuProfile,
  type KeptCpuProfile,
  monotonicMicros,
} from './support/cpu-profile.ts';
import { BENCH_ADMIN_KEY, KEEL_LAUNCHER, keelBenchEnvironment } from './support/keel-target.ts';
import { type LoadRequest, type LoadResult, loadFailure, runLoad } from './support/load.ts';
import { startBaseline, urlFromLine } from './support/local-servers.ts';
import { machineInfo } from './support/machine.ts';
import {
  type BenchOptions,
  booleanOption,
  listOption,
  numberListOption,
  numberOption,
  rejectUnknownOptions,
  stringOption,
} from './support/options.ts';
import { freePort } from './support/ports.ts';
import { processCpuMs } from './support/process-cpu.ts';
import { type ChildHandle, spawnNode, stopAllChildren, waitForLine } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { median } from './support/stats.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'P1: Keel /openai/v1/chat/completions vs a bare node:http forwarder vs the upstream direct (target >= 0.6x, <= 1 ms added p50)';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const TARGET_IDS = ['keel', 'keel-pg', 'keel-floor', 'bare', 'upstream'] as const;
const DEFAULT_TARGETS: readonly TargetId[] = ['keel', 'bare', 'upstream'];
type TargetId = (typeof TARGET_IDS)[number];

export const optionsHelp = {
  duration: 'seconds per measured round and target (default 5)',
  connections: 'concurrent connections, one value or several (default 16,64)',
  rounds: 'measured rounds per connection count; figures are medians across rounds (default 3)',
  warmup: 'seconds of warm-up per target before the rounds of each connection count (default 2)',
  probe: 'sequential requests per target for the added-latency probe, 0 to skip (default 2000)',
  targets: `comma-separated subset of ${TARGET_IDS.join(', ')} (default: keel, bare, upstream; keel-pg is the same Keel on PostgreSQL, DATABASE_URL; keel-floor is GET /v1/models on the same Keel process, the platform's own cost)`,
  'database-url': `the PostgreSQL database of the keel-pg target (default ${DEFAULT_DATABASE_URL}; its tables are created by Keel's migrations)`,
  'cpu-prof':
    'run keel under `node --cpu-prof`, keep the profile in bench/results/gateway-keel.cpuprofile and print its top self-time over the measured rounds (slows it down)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const FAKE_CLI = path.join(ROOT, 'test/fixtures/fake-openai/cli.ts');
const FORWARDER_CLI = path.join(import.meta.dirname, 'support/chat-forwarder.ts');
const MODEL = 'fake-model';
const TARGET_RATIO = 0.6;
const MESSAGES = [{ role: 'user', content: 'Name three uses of a keel on a sailing boat.' }];

const LABELS: Record<TargetId, string> = {
  keel: 'keel /openai/v1 (auth, limits, logs, metrics, accounting)',
  'keel-pg': 'keel /openai/v1, the same on PostgreSQL (DATABASE_URL)',
  'keel-floor': 'keel GET /v1/models (the platform floor, informational)',
  bare: 'bare node:http forwarder + fetch',
  upstream: 'upstream direct (ceiling)',
};

interface Target {
  readonly id: TargetId;
  readonly handle: ChildHandle;
  readonly request: LoadRequest;
}

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU time of the target's own process per answered request (less noisy than req/s); null off Linux. */
  readonly cpuMsPerRequest: number | null;
}

type Round = LoadResult & { readonly cpuMsPerRequest: number | null };

interface ProbeFigures {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
}

const chatBody = (model: string) => JSON.stringify({ model, messages: MESSAGES, max_tokens: 64 });

async function startKeel(
  id: 'keel' | 'keel-pg',
  upstreamUrl: string,
  workDir: string,
  storage: { readonly databaseUrl: string } | { readonly profileDir: string | undefined },
): Promise<Target> {
  const port = await freePort();
  const profileDir = 'profileDir' in storage ? storage.profileDir : undefined;
  const handle = spawnNode({
    name: id,
    nodeArgs: [...cpuProfileFlags(profileDir), KEEL_LAUNCHER, 'serve'],
    // Its own working directory, so a local keel.config.ts does not change what is measured.
    cwd: workDir,
    env: keelBenchEnvironment({
      port,
      upstreamUrl,
      model: MODEL,
      storage: 'databaseUrl' in storage ? { databaseUrl: storage.databaseUrl } : 'embedded',
    }),
    // Logs go to a file, as they would go to a collector in production.
    stdout: { file: path.join(workDir, `${id}.log`) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 60_000);
  return {
    id,
    handle,
    request: {
      url: `${url}/openai/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` },
      body: chatBody('default'),
    },
  };
}

async function startForwarder(upstreamUrl: string): Promise<Target> {
  const { handle, url } = await startBaseline({
    name: 'bare',
    script: FORWARDER_CLI,
    upstreamUrl,
    model: MODEL,
  });
  return {
    id: 'bare',
    handle,
    request: {
      url: `${url}/openai/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody('default'),
    },
  };
}

/** The same Keel process answering a route with no model call: what auth, limits, logs and metrics cost alone. */
function floorTarget(keel: Target): Target {
  return {
    id: 'keel-floor',
    handle: keel.handle,
    request: {
      url: keel.request.url.replace('/openai/v1/chat/completions', '/v1/models'),
      method: 'GET',
      headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` },
    },
  };
}

function upstreamTarget(handle: ChildHandle, upstreamUrl: string): Target {
  return {
    id: 'upstream',
    handle,
    request: {
      url: `${upstreamUrl}/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody(MODEL),
    },
  };
}

async function call(target: Target): Promise<unknown> {
  const response = await fetch(target.request.url, {
    method: target.request.method,
    headers: target.request.headers,
    body: target.request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[]; aliases?: unknown };
  const answered =
    target.id === 'keel-floor'
      ? Array.isArray(body.aliases)
      : typeof body.choices?.[0]?.message?.content === 'string';
  if (response.status !== 200 || !answered) {
    throw new Error(`${target.id}: unexpected answer: HTTP ${response.status} ${text.slice(0, 500)}`);
  }
  return body;
}

/** Sequential requests, one at a time: the latency of one hop with nothing queued behind it. */
async function probe(target: Target, requests: number): Promise<ProbeFigures> {
  for (let i = 0; i < Math.min(200, requests); i++) await call(target);
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await call(target);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (quantile: number) =>
    samples[Math.min(samples.length - 1, Math.floor(quantile * samples.length))] ?? 0;
  return { requests, p50: round(at(0.5), 3), p99: round(at(0.99), 3) };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function summarize(results: readonly Round[]): Measured {
  const cpu = results.flatMap((result) => (result.cpuMsPerRequest === null ? [] : [result.cpuMsPerRequest]));
  return {
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50: median(results.map((result) => result.latency.p50)),
    p99: median(results.map((result) => result.latency.p99)),
    cpuMsPerRequest: cpu.length === 0 ? null : round(median(cpu), 3),
  };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const durationSeconds = numberOption(options, 'duration', 5, { min: 1, max: 600 });
  const connectionCounts = numberListOption(options, 'connections', [16, 64], {
    min: 1,
    max: 10_000,
    integer: true,
  });
  const rounds = numberOption(options, 'rounds', 3, { min: 1, max: 50, integer: true });
  const warmupSeconds = numberOption(options, 'warmup', 2, { min: 0, max: 600 });
  const probeRequests = numberOption(options, 'probe', 2_000, { min: 0, max: 1_000_000, integer: true });
  const ids = listOption(options, 'targets', TARGET_IDS, DEFAULT_TARGETS);

  const machine = machineInfo();
  const date = new Date().toISOString();
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-gateway-'));
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  process.once('exit', removeWorkDir);
  const results: Array<{
    connections: number;
    targets: Partial<Record<TargetId, { label: string; median: Measured; rounds: Round[] }>>;
    keelOverBare?: { median: number; rounds: number[] };
    keelPgOverBare?: { median: number; rounds: number[] };
    addedP50Ms?: number;
    addedP99Ms?: number;
  }> = [];
  const probes: Partial<Record<TargetId, ProbeFigures>> = {};
  let failure: string | undefined;
  const databaseUrl = stringOption(options, 'database-url') ?? DEFAULT_DATABASE_URL;
  const profileDir = booleanOption(options, 'cpu-prof') ? path.join(workDir, 'cpu-profile-keel') : undefined;
  let cpuProfile: KeptCpuProfile | undefined;
  let measuredFromMicros: number | undefined;

  console.log(
    `gateway: ${connectionCounts.join(', ')} connections, ${rounds} rounds x ${durationSeconds}s per target, ${warmupSeconds}s warm-up, probe ${probeRequests} sequential requests; ${machine.cpus} CPUs, Node ${machine.node}`,
  );
  try {
    const upstream = spawnNode({
      name: 'fake upstream',
      nodeArgs: [FAKE_CLI, '--port', '0', '--token-delay-ms', '0'],
      stdout: 'pipe',
    });
    const upstreamUrl = await waitForLine(upstream, urlFromLine);
    const targets: Target[] = [];
    let keel: Target | undefined;
    for (const id of ids) {
      if (id === 'keel' || id === 'keel-floor') {
        keel ??= await startKeel('keel', upstreamUrl, workDir, { profileDir });
        targets.push(id === 'keel' ? keel : floorTarget(keel));
      } else if (id === 'keel-pg') {
        targets.push(await startKeel(id, upstreamUrl, workDir, { databaseUrl }));
      } else if (id === 'bare') targets.push(await startForwarder(upstreamUrl));
      else targets.push(upstreamTarget(upstream, upstreamUrl));
    }
    const handles = [
      upstream,
      ...targets.map((target) => target.handle).filter((handle) => handle !== upstream),
    ];
    for (const target of targets) await call(target);

    if (probeRequests > 0) {
      console.log('\nsequential probe (one request at a time)');
      for (const target of targets) {
        probes[target.id] = await probe(target, probeRequests);
        console.log(
          `  ${LABELS[target.id].padEnd(60)} p50 ${probes[target.id]?.p50} ms  p99 ${probes[target.id]?.p99} ms`,
        );
      }
    }

    const measure = async (
      target: Target,
      connections: number,
      seconds: number,
      label: string,
    ): Promise<Round> => {
      const cpuBefore = processCpuMs(target.handle.child.pid);
      const loaded = await runLoad(target.request, { connections, durationSeconds: seconds });
      const cpuAfter = processCpuMs(target.handle.child.pid);
      const result: Round = {
        ...loaded,
        cpuMsPerRequest:
          cpuBefore === undefined || cpuAfter === undefined || loaded.requests === 0
            ? null
            : round((cpuAfter - cpuBefore) / loaded.requests, 3),
      };
      for (const handle of handles) handle.assertRunning();
      console.log(
        `  ${label.padEnd(10)} ${LABELS[target.id].padEnd(60)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  cpu ${result.cpuMsPerRequest ?? '-'} ms/req`,
      );
      const problem = loadFailure(result);
      if (problem) throw new BenchFailure(`${target.id}, ${connections} connections, ${label}: ${problem}`);
      return result;
    };

    for (const connections of connectionCounts) {
      console.log(`\n${connections} connections`);
      if (warmupSeconds > 0)
        for (const target of targets) await measure(target, connections, warmupSeconds, 'warm-up');
      // The CPU profile summary counts from here: start-up, the probe and the first warm-up left out.
      measuredFromMicros ??= monotonicMicros();
      const measured = new Map<TargetId, Round[]>(targets.map((target) => [target.id, []]));
      for (let index = 0; index < rounds; index++) {
        for (const target of rotate(targets, index)) {
          measured
            .get(target.id)
            ?.push(await measure(target, connections, durationSeconds, `round ${index + 1}`));
        }
      }
      const figures: (typeof results)[number] = { connections, targets: {} };
      for (const [id, list] of measured)
        figures.targets[id] = { label: LABELS[id], median: summarize(list), rounds: list };
      const keel = figures.targets.keel;
      const bare = figures.targets.bare;
      const direct = figures.targets.upstream;
      const overBare = (top: NonNullable<typeof keel>, base: NonNullable<typeof bare>) => ({
        median: round(top.median.requestsPerSecond / base.median.requestsPerSecond, 3),
        rounds: top.rounds.map((result, index) =>
          round(result.requestsPerSecond / (base.rounds[index]?.requestsPerSecond ?? Number.NaN), 3),
        ),
      });
      if (keel && bare) figures.keelOverBare = overBare(keel, bare);
      if (figures.targets['keel-pg'] && bare)
        figures.keelPgOverBare = overBare(figures.targets['keel-pg'], bare);
      if (keel && direct) {
        figures.addedP50Ms = keel.median.p50 - direct.median.p50;
        figures.addedP99Ms = keel.median.p99 - direct.median.p99;
      }
      results.push(figures);
    }

    console.log(
      `\nMedians across ${rounds} rounds of ${durationSeconds}s (load latency in whole ms, from autocannon):\n`,
    );
    const rows: string[][] = [];
    for (const figures of results) {
      const bare = figures.targets.bare?.median.requestsPerSecond;
      for (const id of TARGET_IDS) {
        const target = figures.targets[id];
        if (!target) continue;
        rows.push([
          target.label,
          String(figures.connections),
          target.median.requestsPerSecond.toFixed(0),
          String(target.median.p50),
          String(target.median.p99),
          target.median.cpuMsPerRequest === null ? '-' : target.median.cpuMsPerRequest.toFixed(3),
          bare ? `${(target.median.requestsPerSecond / bare).toFixed(2)}x` : '-',
        ]);
      }
    }
    console.log(
      formatTable(
        [
          { header: 'target' },
          { header: 'connections', align: 'right' },
          { header: 'req/s', align: 'right' },
          { header: 'p50 ms', align: 'right' },
          { header: 'p99 ms', align: 'right' },
          { header: 'CPU ms/req', align: 'right' },
          { header: 'vs bare', align: 'right' },
        ],
        rows,
      ),
    );
    console.log('');
    for (const figures of results) {
      for (const [label, figure] of [
        ['Keel', figures.keelOverBare],
        ['Keel on PostgreSQL', figures.keelPgOverBare],
      ] as const) {
        if (!figure) continue;
        const { median: ratio, rounds: perRound } = figure;
        console.log(
          `P1 ${label}/bare at ${figures.connections} connections: ${ratio.toFixed(2)}x (rounds ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}x), target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`,
        );
      }
    }
    const keelProbe = probes.keel;
    const upstreamProbe = probes.upstream;
    const bareProbe = probes.bare;
    if (keelProbe && upstreamProbe) {
      const added50 = round(keelProbe.p50 - upstreamProbe.p50, 3);
      const added99 = round(keelProbe.p99 - upstreamProbe.p99, 3);
      console.log(
        `P1 latency Keel adds over a direct call, one request at a time: p50 ${added50} ms (target <= 1 ms: ${added50 <= 1 ? 'met' : 'NOT met'}), p99 ${added99} ms (target <= 5 ms: ${added99 <= 5 ? 'met' : 'NOT met'})`,
      );
      if (bareProbe) {
        console.log(
          `   (the bare forwarder adds p50 ${round(bareProbe.p50 - upstreamProbe.p50, 3)} ms, p99 ${round(bareProbe.p99 - upstreamProbe.p99, 3)} ms)`,
        );
      }
    }
    const profiled = targets.find((target) => target.id === 'keel');
    if (profiled && profileDir) {
      cpuProfile = await collectCpuProfile(
        profiled.handle,
        profileDir,
        'gateway-keel',
        `${ROOT}/`,
        measuredFromMicros,
      );
      console.log(`\n${formatCpuProfile(LABELS.keel, cpuProfile)}`);
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    await stopAllChildren();
    if (results.length > 0 || failure) {
      const file = await writeResults('gateway', {
        benchmark: 'gateway',
        date,
        machine,
        settings: {
          durationSeconds,
          rounds,
          warmupSeconds,
          probeRequests,
          connections: connectionCounts,
          targets: ids,
          request: {
            route: 'POST /openai/v1/chat/completions',
            body: JSON.parse(chatBody('default')) as unknown,
          },
          keel: 'node bin/keel.js serve (decision 0198 settings), KEEL_DATA_DIR=memory://, LOG_LEVEL=info to a file, KEEL_ADMIN_KEY (auth), request and token limits set',
          bareForwarder:
            'bench/support/chat-forwarder.ts: node:http + JSON parse/check + global fetch (undici keep-alive)',
          upstream: 'test/fixtures/fake-openai/cli.ts --token-delay-ms 0 (non-streaming chat completions)',
          load: 'autocannon, closed loop, in the bench driver process',
        },
        targetP1: {
          ratio: 'keel / bare requests per second',
          atLeast: TARGET_RATIO,
          addedP50Ms: 1,
          addedP99Ms: 5,
        },
        probes,
        cpuProfile,
        results,
        failure,
      });
      console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
    }
    process.off('exit', removeWorkDir);
    removeWorkDir();
  }
}
