/**
 * P2, the product endpoint: Keel's `POST /v1/generate` against a bare `node:http` forwarder doing the same
 * parse-validate-forward-answer, and against the fake upstream called directly (the ceiling). Every target
 * is its own process, started once; load from this process with autocannon. Targets are warmed up, then
 * measured in alternating rounds (the order rotates each round) and reported as medians across rounds,
 * so the ratios compare figures taken side by side on the same (noisy) machine.
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
import { gitRevision } from './support/git.ts';
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
  'P2: Keel POST /v1/generate vs a bare node:http forwarder vs the fake upstream direct (target Keel/bare >= 0.5x)';

export const optionsHelp = {
  duration: 'seconds per measured round and target (default 5)',
  connections: 'concurrent connections, one value or several: 16,64 (default 16)',
  rounds: 'measured rounds per connection count; figures are medians across rounds (default 3)',
  warmup: 'seconds of warm-up per target before the rounds of each connection count (default 2)',
  targets: `comma-separated subset of ${['keel', 'keel-pg', 'keel-silent', 'bare', 'upstream'].join(', ')} (default: keel, keel-silent, bare, upstream; keel-pg is the same Keel on PostgreSQL, DATABASE_URL)`,
  'database-url':
    'the PostgreSQL database of the keel-pg target (default postgres://postgres@127.0.0.1:5432/test)',
  'cpu-prof':
    'run keel and bare under `node --cpu-prof`, keep the profiles in bench/results/ and print their top self-time (slows them down)',
  'keep-logs': "keep the temporary directory with Keel's logs",
};

const ROOT = path.resolve(import.meta.dirname, '..');
const FAKE_CLI = path.join(ROOT, 'test/fixtures/fake-openai/cli.ts');
const BARE_CLI = path.join(import.meta.dirname, 'support/bare-forwarder.ts');
const MODEL = 'fake-model';
const TARGET_RATIO = 0.5;
const USER_INPUT = 'Name three uses of a keel on a sailing boat.';
const MAX_TOKENS = 64;

const TARGET_IDS = ['keel', 'keel-pg', 'keel-silent', 'bare', 'upstream'] as const;
const DEFAULT_TARGETS: readonly TargetId[] = ['keel', 'keel-silent', 'bare', 'upstream'];
type TargetId = (typeof TARGET_IDS)[number];
/** The targets `--cpu-prof` runs under the profiler. */
const PROFILED = ['keel', 'bare'] as const;

const LABELS: Record<TargetId, string> = {
  keel: 'keel (LOG_LEVEL=info)',
  'keel-pg': 'keel on PostgreSQL (DATABASE_URL)',
  'keel-silent': 'keel, LOG_LEVEL=silent (informational)',
  bare: 'bare node:http + fetch',
  upstream: 'upstream direct (ceiling)',
};

interface Target {
  readonly id: TargetId;
  readonly handle: ChildHandle;
  readonly request: LoadRequest;
  /** Checks one answer's body has the expected shape. */
  readonly answered: (body: unknown) => boolean;
}

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** CPU time the target's own process used per answered request (Linux only). */
  readonly cpuMsPerRequest?: number;
}

type RoundResult = LoadResult & { readonly cpuMsPerRequest?: number };

interface TargetFigures {
  readonly label: string;
  readonly median: Measured;
  readonly rounds: RoundResult[];
}

interface ConnectionFigures {
  readonly connections: number;
  readonly targets: Partial<Record<TargetId, TargetFigures>>;
  readonly ratios: Record<string, { readonly median: number; readonly rounds: number[] }>;
}

const generateBody = JSON.stringify({ user_input: USER_INPUT, max_tokens: MAX_TOKENS });
const isGenerateAnswer = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as { answer?: unknown }).answer === 'string' &&
  (body as { status?: unknown }).status === 'ok';

async function startKeel(
  id: 'keel' | 'keel-pg' | 'keel-silent',
  upstreamUrl: string,
  workDir: string,
  profileDir: string | undefined,
  databaseUrl?: string,
): Promise<Target> {
  const port = await freePort();
  const handle = spawnNode({
    name: id,
    nodeArgs: [...cpuProfileFlags(profileDir), KEEL_LAUNCHER, 'serve'],
    // Its own working directory, so a local keel.config.ts does not change what is measured.
    cwd: workDir,
    env: keelBenchEnvironment({
      port,
      upstreamUrl,
      model: MODEL,
      storage: databaseUrl === undefined ? 'embedded' : { databaseUrl },
      logLevel: id === 'keel-silent' ? 'silent' : 'info',
    }),
    // Logging stays on; its lines go to a file, as they would go to a collector in production.
    stdout: { file: path.join(workDir, `${id}.log`) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 60_000);
  return {
    id,
    handle,
    request: {
      url: `${url}/v1/generate`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` },
      body: generateBody,
    },
    answered: isGenerateAnswer,
  };
}

async function startBare(upstreamUrl: string, profileDir: string | undefined): Promise<Target> {
  const { handle, url } = await startBaseline({
    name: 'bare',
    script: BARE_CLI,
    upstreamUrl,
    model: MODEL,
    nodeFlags: cpuProfileFlags(profileDir),
  });
  return {
    id: 'bare',
    handle,
    request: {
      url: `${url}/v1/generate`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` },
      body: generateBody,
    },
    answered: isGenerateAnswer,
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
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: USER_INPUT }],
        max_tokens: MAX_TOKENS,
      }),
    },
    answered: (body) =>
      typeof (body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content ===
      'string',
  };
}

/** One real request per target before any load, so a misconfigured target fails with its answer, not a count. */
async function smokeTest(target: Target): Promise<void> {
  const response = await fetch(target.request.url, {
    method: target.request.method,
    headers: target.request.headers,
    body: target.request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || !target.answered(body)) {
    throw new Error(
      `${target.id}: unexpected answer to the smoke request: HTTP ${response.status} ${text.slice(0, 500)}`,
    );
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function summarize(results: RoundResult[]): Measured {
  const cpu = results.flatMap((result) =>
    result.cpuMsPerRequest === undefined ? [] : [result.cpuMsPerRequest],
  );
  return {
    ...(cpu.length > 0 ? { cpuMsPerRequest: median(cpu) } : {}),
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50: median(results.map((result) => result.latency.p50)),
    p90: median(results.map((result) => result.latency.p90)),
    p99: median(results.map((result) => result.latency.p99)),
  };
}

function ratio(figures: ConnectionFigures, numerator: TargetId, denominator: TargetId) {
  const top = figures.targets[numerator];
  const bottom = figures.targets[denominator];
  if (!top || !bottom) return undefined;
  return {
    median: top.median.requestsPerSecond / bottom.median.requestsPerSecond,
    rounds: top.rounds.map(
      (round, index) => round.requestsPerSecond / (bottom.rounds[index]?.requestsPerSecond ?? Number.NaN),
    ),
  };
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

function progressLine(label: string, round: string, result: RoundResult): string {
  const cpu = result.cpuMsPerRequest === undefined ? '' : `  cpu ${fixed(result.cpuMsPerRequest, 3)} ms/req`;
  return `  ${round.padEnd(10)} ${label.padEnd(40)} ${fixed(result.requestsPerSecond).padStart(7)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms${cpu}`;
}

function resultsTable(all: readonly ConnectionFigures[], ids: readonly TargetId[]): string {
  const rows: string[][] = [];
  for (const figures of all) {
    const bare = figures.targets.bare?.median.requestsPerSecond;
    for (const id of ids) {
      const target = figures.targets[id];
      if (!target) continue;
      rows.push([
        target.label,
        String(figures.connections),
        fixed(target.median.requestsPerSecond),
        fixed(target.median.p50),
        fixed(target.median.p99),
        target.median.cpuMsPerRequest === undefined ? '-' : fixed(target.median.cpuMsPerRequest, 3),
        bare ? `${fixed(target.median.requestsPerSecond / bare, 2)}x` : '-',
      ]);
    }
  }
  return formatTable(
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
  );
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const durationSeconds = numberOption(options, 'duration', 5, { min: 1, max: 600 });
  const connectionCounts = numberListOption(options, 'connections', [16], {
    min: 1,
    max: 10_000,
    integer: true,
  });
  const rounds = numberOption(options, 'rounds', 3, { min: 1, max: 50, integer: true });
  const warmupSeconds = numberOption(options, 'warmup', 2, { min: 0, max: 600 });
  const ids = listOption(options, 'targets', TARGET_IDS, DEFAULT_TARGETS);
  const databaseUrl = stringOption(options, 'database-url') ?? 'postgres://postgres@127.0.0.1:5432/test';
  const cpuProf = booleanOption(options, 'cpu-prof');
  const keepLogs = booleanOption(options, 'keep-logs');

  const machine = machineInfo();
  const revision = gitRevision(ROOT);
  const date = new Date().toISOString();
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-generate-'));
  // Ctrl-C exits from the dispatcher's signal handler, past the `finally` below.
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  process.once('exit', removeWorkDir);
  const profileDir = (id: TargetId) =>
    cpuProf && (PROFILED as readonly TargetId[]).includes(id)
      ? path.join(workDir, `cpu-profile-${id}`)
      : undefined;
  const all: ConnectionFigures[] = [];
  let failure: string | undefined;
  const cpuProfiles: Partial<Record<TargetId, KeptCpuProfile>> = {};
  const handles: ChildHandle[] = [];
  let measuredFromMicros: number | undefined;

  const report = () => ({
    benchmark: 'generate',
    date,
    machine,
    revision,
    settings: {
      durationSeconds,
      rounds,
      warmupSeconds,
      connections: connectionCounts,
      targets: ids,
      request: { route: 'POST /v1/generate', body: JSON.parse(generateBody) as unknown },
      keel: 'node bin/keel.js serve (decision 0198 settings), KEEL_DATA_DIR=memory://, logs to a file',
      bareForwarder:
        'node:http server + global fetch (undici keep-alive pool), bench/support/bare-forwarder.ts',
      upstream: 'test/fixtures/fake-openai/cli.ts --token-delay-ms 0 (non-streaming chat completions)',
      load: 'autocannon, closed loop, in the bench driver process',
      cpuProfiled: cpuProf,
    },
    targetP2: { ratio: 'keel / bare requests per second', atLeast: TARGET_RATIO },
    results: all,
    cpuProfiles,
    failure,
  });

  console.log(
    `generate: ${connectionCounts.join(', ')} connections, ${rounds} rounds x ${durationSeconds}s per target, ${warmupSeconds}s warm-up; ${machine.cpus} CPUs, Node ${machine.node}`,
  );
  if (revision) {
    const edits =
      revision.uncommittedChanges > 0 ? ` + ${revision.uncommittedChanges} uncommitted file(s) in src/` : '';
    console.log(`keel: commit ${revision.commit.slice(0, 10)}${edits}`);
  }
  console.log('bare forwarder: node:http + global fetch (undici, keep-alive)');
  try {
    const upstream = spawnNode({
      name: 'fake upstream',
      nodeArgs: [FAKE_CLI, '--port', '0', '--token-delay-ms', '0'],
      stdout: 'pipe',
    });
    handles.push(upstream);
    const upstreamUrl = await waitForLine(upstream, urlFromLine);

    const start = (id: TargetId): Promise<Target> => {
      switch (id) {
        case 'keel':
          return startKeel(id, upstreamUrl, workDir, profileDir(id));
        case 'keel-pg':
          return startKeel(id, upstreamUrl, workDir, undefined, databaseUrl);
        case 'keel-silent':
          return startKeel(id, upstreamUrl, workDir, undefined);
        case 'bare':
          return startBare(upstreamUrl, profileDir(id));
        case 'upstream':
          return Promise.resolve(upstreamTarget(upstream, upstreamUrl));
      }
    };
    const targets = await Promise.all(ids.map(start));
    for (const target of targets) if (target.handle !== upstream) handles.push(target.handle);
    for (const target of targets) await smokeTest(target);

    const measure = async (target: Target, connections: number, seconds: number, round: string) => {
      const cpuBefore = processCpuMs(target.handle.child.pid);
      const load = await runLoad(target.request, { connections, durationSeconds: seconds });
      const cpuAfter = processCpuMs(target.handle.child.pid);
      const result: RoundResult =
        cpuBefore === undefined || cpuAfter === undefined || load.requests === 0
          ? load
          : { ...load, cpuMsPerRequest: (cpuAfter - cpuBefore) / load.requests };
      for (const handle of handles) handle.assertRunning();
      console.log(progressLine(LABELS[target.id], round, result));
      const problem = loadFailure(result);
      if (problem) throw new BenchFailure(`${target.id}, ${connections} connections, ${round}: ${problem}`);
      return result;
    };

    for (const connections of connectionCounts) {
      console.log(`\n${connections} connections`);
      if (warmupSeconds > 0) {
        for (const target of targets) await measure(target, connections, warmupSeconds, 'warm-up');
      }
      // The CPU profile summary counts from here: start-up and the first warm-up left out.
      measuredFromMicros ??= monotonicMicros();
      const measured = new Map<TargetId, RoundResult[]>(targets.map((target) => [target.id, []]));
      for (let round = 0; round < rounds; round++) {
        for (const target of rotate(targets, round)) {
          const result = await measure(target, connections, durationSeconds, `round ${round + 1}`);
          measured.get(target.id)?.push(result);
        }
      }
      const figures: ConnectionFigures = { connections, targets: {}, ratios: {} };
      for (const [id, results] of measured) {
        figures.targets[id] = { label: LABELS[id], median: summarize(results), rounds: results };
      }
      for (const [name, top, bottom] of [
        ['keel/bare', 'keel', 'bare'],
        ['keel-pg/bare', 'keel-pg', 'bare'],
        ['keel-silent/bare', 'keel-silent', 'bare'],
        ['keel/upstream', 'keel', 'upstream'],
        ['bare/upstream', 'bare', 'upstream'],
      ] as const) {
        const value = ratio(figures, top, bottom);
        if (value) figures.ratios[name] = value;
      }
      all.push(figures);
    }

    console.log(
      `\nMedians across ${rounds} rounds of ${durationSeconds}s. Latency in whole ms (autocannon); CPU ms/req: CPU time of the target's own process per request (the fake upstream's for the ceiling).\n`,
    );
    console.log(resultsTable(all, TARGET_IDS));
    console.log('');
    for (const figures of all) {
      for (const [label, name] of [
        ['Keel', 'keel/bare'],
        ['Keel on PostgreSQL', 'keel-pg/bare'],
      ] as const) {
        const keelVsBare = figures.ratios[name];
        if (!keelVsBare) continue;
        const low = Math.min(...keelVsBare.rounds);
        const high = Math.max(...keelVsBare.rounds);
        console.log(
          `P2 ${label}/bare at ${figures.connections} connections: ${fixed(keelVsBare.median, 2)}x (rounds ${fixed(low, 2)}-${fixed(high, 2)}x), target >= ${TARGET_RATIO}x: ${keelVsBare.median >= TARGET_RATIO ? 'met' : 'NOT met'}`,
        );
      }
    }

    for (const id of PROFILED) {
      const target = targets.find((candidate) => candidate.id === id);
      const dir = profileDir(id);
      if (!target || !dir) continue;
      const profile = await collectCpuProfile(
        target.handle,
        dir,
        `generate-${id}`,
        `${ROOT}/`,
        measuredFromMicros,
      );
      cpuProfiles[id] = profile;
      console.log(`\n${formatCpuProfile(LABELS[id], profile)}`);
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    await stopAllChildren();
    if (all.length > 0 || failure) {
      const file = await writeResults('generate', report());
      console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
    }
    process.off('exit', removeWorkDir);
    if (keepLogs || failure) console.log(`Keel logs: ${workDir}`);
    else removeWorkDir();
  }
}
