/**
 * P3, streaming: one Keel API process (`keel serve`) holding thousands of concurrent SSE streams of
 * `POST /v1/generate` (`Accept: text/event-stream`), relayed from the fake OpenAI-compatible upstream
 * pacing tokens, against a bare fetch-based relay (bench/support/sse-relay.ts) doing the same relay in the
 * same run. Streams are opened gradually; at each level (1k, 4k, 8k open by default) the ramp pauses and
 * the bench reports the target's memory per open stream (RSS growth over its idle baseline / streams
 * open) and the time to first token of the streams opened since the previous level, minus that of streams
 * opened straight to the upstream at the same moments (the added time-to-first-token). Every stream must
 * end in `done` or `error`: one that is cut, refused or never answers fails the run.
 *
 * The targets run one after the other (the relay first), each with the whole ramp, so the upstream
 * holds one target's streams at a time. Each relayed stream holds two sockets in the target: 8,000
 * streams need ~16,000 descriptors (`ulimit -n` here is 20,000; children inherit the bench's limit).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BenchFailure } from './support/benchmark.ts';
import {
  collectCpuProfile,
  cpuProfileFlags,
  formatCpuProfile,
  monotonicMicros,
} from './support/cpu-profile.ts';
import { gitRevision } from './support/git.ts';
import { BENCH_ADMIN_KEY, KEEL_LAUNCHER, keelBenchEnvironment } from './support/keel-target.ts';
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
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'P3: concurrent SSE streams of POST /v1/generate in one Keel process vs a bare fetch relay: added time-to-first-token and memory per open stream at 1k/4k/8k';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const optionsHelp = {
  levels: 'open-stream counts to report at, ascending (default 1000,4000,8000)',
  'open-rate': 'streams opened per second during the ramp (default 400)',
  'token-delay-ms': "the upstream's gap between streamed tokens (default 30)",
  settle: 'seconds the ramp pauses at each level before measuring (default 3)',
  targets:
    'comma-separated subset of relay, keel, keel-pg, in this order (default relay, keel; keel-pg is the same Keel on PostgreSQL, DATABASE_URL)',
  'database-url': `the PostgreSQL database of the keel-pg target (default ${DEFAULT_DATABASE_URL})`,
  'cpu-prof': 'run keel under `node --cpu-prof` and print its top self-time after the drain (slows it down)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const FAKE_CLI = path.join(ROOT, 'test/fixtures/fake-openai/cli.ts');
const RELAY_CLI = path.join(import.meta.dirname, 'support/sse-relay.ts');
const MODEL = 'fake-model';
const TARGET_IDS = ['relay', 'keel', 'keel-pg'] as const;
const DEFAULT_TARGETS: readonly TargetId[] = ['relay', 'keel'];
type TargetId = (typeof TARGET_IDS)[number];
const LABELS: Record<TargetId, string> = {
  relay: 'bare fetch relay (node:http + fetch)',
  keel: 'keel serve (LOG_LEVEL=info, every feature on)',
  'keel-pg': 'keel serve on PostgreSQL (DATABASE_URL, every feature on)',
};
/** One direct-to-upstream probe per this many streams opened, for the added time-to-first-token. */
const PROBE_EVERY = 10;
/** P3 targets. */
const TARGET_MEMORY_KB = 45;
const TARGET_ADDED_TTFT_P99_MS = 5;

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

type Outcome = 'done' | 'error' | 'cut' | 'refused';

interface StreamRecord {
  readonly openedAt: number;
  firstTokenAt: number | undefined;
  outcome: Outcome | undefined;
  status: number | undefined;
}

/**
 * Opens one stream and follows it to its end without parsing every event: it notes the first content
 * token and whether a terminal event (`done`/`error`, or the upstream's `[DONE]`) came before the end.
 */
function openStream(
  url: URL,
  body: string,
  kind: 'capability' | 'upstream',
  onEnd: (record: StreamRecord) => void,
): StreamRecord {
  const record: StreamRecord = {
    openedAt: performance.now(),
    firstTokenAt: undefined,
    outcome: undefined,
    status: undefined,
  };
  const firstMarker = kind === 'capability' ? 'event: text-delta' : '"delta":{"content":';
  // The upstream's own streams have no error event here: `[DONE]` is their end.
  const doneMarker = kind === 'capability' ? 'event: done' : 'data: [DONE]';
  const errorMarker = kind === 'capability' ? 'event: error' : undefined;
  let carry = '';
  let terminal: Outcome | undefined;
  const finish = (outcome: Outcome) => {
    if (record.outcome !== undefined) return;
    record.outcome = outcome;
    onEnd(record);
  };
  const request = http.request(
    url,
    {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
        // Keel authenticates every stream; the relay and the upstream ignore the header.
        ...(kind === 'capability' ? { authorization: `Bearer ${BENCH_ADMIN_KEY}` } : {}),
      },
    },
    (response) => {
      record.status = response.statusCode;
      if (response.statusCode !== 200) {
        response.resume();
        finish('refused');
        return;
      }
      response.setEncoding('latin1');
      response.on('data', (chunk: string) => {
        const text = carry + chunk;
        if (record.firstTokenAt === undefined && text.includes(firstMarker)) {
          record.firstTokenAt = performance.now();
        }
        if (terminal === undefined) {
          if (text.includes(doneMarker)) terminal = 'done';
          else if (errorMarker !== undefined && text.includes(errorMarker)) terminal = 'error';
        }
        carry = text.slice(-32);
      });
      response.on('end', () => finish(terminal ?? 'cut'));
      response.on('error', () => finish('cut'));
      response.on('close', () => finish(terminal ?? 'cut'));
    },
  );
  request.on('error', () => finish(record.status === undefined ? 'refused' : 'cut'));
  request.end(body);
  return record;
}

function rssKb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startTarget(
  id: TargetId,
  upstreamUrl: string,
  logDir: string,
  profileDir: string | undefined,
  databaseUrl: string,
): Promise<{ handle: ChildHandle; url: string }> {
  if (id === 'relay') return startBaseline({ name: 'relay', script: RELAY_CLI, upstreamUrl, model: MODEL });
  const port = await freePort();
  const handle = spawnNode({
    name: id,
    nodeArgs: [...cpuProfileFlags(profileDir), KEEL_LAUNCHER, 'serve'],
    cwd: logDir,
    env: keelBenchEnvironment({
      port,
      upstreamUrl,
      model: MODEL,
      storage: id === 'keel-pg' ? { databaseUrl } : 'embedded',
      extra: { KEEL_EMBEDDINGS: 'off' },
    }),
    stdout: { file: path.join(logDir, `${id}-streaming.log`) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 180_000);
  return { handle, url };
}

interface LevelFigures {
  readonly level: number;
  readonly openAtMeasure: number;
  readonly rssKb: number;
  readonly memoryPerStreamKb: number;
  readonly ttft: { readonly p50: number; readonly p99: number; readonly samples: number };
  readonly upstreamTtft: { readonly p50: number; readonly p99: number; readonly samples: number };
  readonly addedTtft: { readonly p50: number; readonly p99: number };
}

interface TargetFigures {
  readonly id: TargetId;
  readonly label: string;
  readonly baselineRssKb: number;
  readonly levels: LevelFigures[];
  readonly outcomes: Record<Outcome, number>;
  readonly refusals: Record<string, number>;
  readonly opened: number;
  /** CPU time of the target's process per stream, over the whole ramp and drain (Linux only). */
  readonly cpuMsPerStream?: number;
}

async function runTarget(
  id: TargetId,
  upstreamUrl: string,
  logDir: string,
  settings: {
    levels: number[];
    openRate: number;
    tokenDelayMs: number;
    settleSeconds: number;
    cpuProf: boolean;
    databaseUrl: string;
  },
): Promise<TargetFigures> {
  const profileDir = settings.cpuProf && id === 'keel' ? path.join(logDir, 'cpu-profile') : undefined;
  const { handle, url } = await startTarget(id, upstreamUrl, logDir, profileDir, settings.databaseUrl);
  const pid = handle.child.pid;
  const target = new URL(`${url}/v1/generate`);
  const upstream = new URL(`${upstreamUrl}/chat/completions`);
  const maxLevel = settings.levels.at(-1) ?? 0;
  // Every stream must outlast the whole ramp and its pauses, so the last level really holds them all.
  // The ramp is paced by this process, which slows down under load: twice the planned time, plus pauses.
  const holdMs =
    (2 * maxLevel * 1000) / settings.openRate +
    settings.levels.length * (settings.settleSeconds + 2) * 1000 +
    10_000;
  const words = Math.max(2, Math.ceil(holdMs / settings.tokenDelayMs));
  const userInput = Array.from({ length: words - 1 }, (_, index) => `w${index % 100}`).join(' ');
  const body = JSON.stringify({ user_input: userInput, max_tokens: 4096 });
  const upstreamBody = (text: string) =>
    JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: text }],
      stream: true,
      max_tokens: 16,
    });

  // Warm-up: short streams through the target, so the baseline includes a warmed-up process.
  const warm = JSON.stringify({ user_input: 'warm up', max_tokens: 16 });
  await Promise.all(
    Array.from(
      { length: 200 },
      () => new Promise<void>((resolve) => openStream(target, warm, 'capability', () => resolve())),
    ),
  );
  await sleep(2000);
  const baselineRssKb = rssKb(pid);
  const cpuBefore = processCpuMs(pid);
  const measuredFromMicros = monotonicMicros();
  console.log(
    `\n${LABELS[id]}: baseline RSS ${(baselineRssKb / 1024).toFixed(1)} MB; streams of ${words} tokens every ${settings.tokenDelayMs} ms (~${(holdMs / 1000).toFixed(0)} s)`,
  );

  const outcomes: Record<Outcome, number> = { done: 0, error: 0, cut: 0, refused: 0 };
  const records: StreamRecord[] = [];
  const probes: StreamRecord[] = [];
  let open = 0;
  let ended = 0;
  const refusals: Record<string, number> = {};
  const onEnd = (record: StreamRecord) => {
    open -= 1;
    ended += 1;
    outcomes[record.outcome ?? 'cut'] += 1;
    if (record.outcome === 'refused') {
      const key = record.status === undefined ? 'connection error' : `HTTP ${record.status}`;
      refusals[key] = (refusals[key] ?? 0) + 1;
    }
  };
  const levels: LevelFigures[] = [];
  let windowStart = 0;
  let probeWindowStart = 0;
  const tickMs = 10;
  for (const level of settings.levels) {
    // Open gradually: a few streams every tick at the configured rate.
    let due = 0;
    while (records.length < level) {
      due += (settings.openRate * tickMs) / 1000;
      while (due >= 1 && records.length < level) {
        due -= 1;
        open += 1;
        records.push(openStream(target, body, 'capability', onEnd));
        if (records.length % PROBE_EVERY === 0) {
          probes.push(openStream(upstream, upstreamBody('probe'), 'upstream', () => {}));
        }
      }
      await sleep(tickMs);
      handle.assertRunning();
    }
    await sleep(settings.settleSeconds * 1000);
    const rss = rssKb(pid);
    const window = records
      .slice(windowStart)
      .flatMap((record) =>
        record.firstTokenAt === undefined ? [] : [record.firstTokenAt - record.openedAt],
      );
    const probeWindow = probes
      .slice(probeWindowStart)
      .flatMap((record) =>
        record.firstTokenAt === undefined ? [] : [record.firstTokenAt - record.openedAt],
      );
    windowStart = records.length;
    probeWindowStart = probes.length;
    const ttft = { p50: percentile(window, 50), p99: percentile(window, 99), samples: window.length };
    const upstreamTtft = {
      p50: percentile(probeWindow, 50),
      p99: percentile(probeWindow, 99),
      samples: probeWindow.length,
    };
    const figures: LevelFigures = {
      level,
      openAtMeasure: open,
      rssKb: rss,
      memoryPerStreamKb: (rss - baselineRssKb) / Math.max(1, open),
      ttft,
      upstreamTtft,
      addedTtft: { p50: ttft.p50 - upstreamTtft.p50, p99: ttft.p99 - upstreamTtft.p99 },
    };
    levels.push(figures);
    console.log(
      `  ${String(level).padStart(6)} opened, ${open} open: RSS ${(rss / 1024).toFixed(1)} MB, ${figures.memoryPerStreamKb.toFixed(1)} KB/stream; TTFT p50 ${ttft.p50.toFixed(1)} / p99 ${ttft.p99.toFixed(1)} ms (upstream direct ${upstreamTtft.p50.toFixed(1)} / ${upstreamTtft.p99.toFixed(1)} ms) -> added ${figures.addedTtft.p50.toFixed(1)} / ${figures.addedTtft.p99.toFixed(1)} ms`,
    );
  }
  // Every stream ends by itself; wait for all of them (with a bound) and count how each ended.
  const deadline = performance.now() + holdMs + 60_000;
  while (ended < records.length && performance.now() < deadline) {
    await sleep(250);
    handle.assertRunning();
  }
  const unfinished = records.length - ended;
  const cpuAfter = processCpuMs(pid);
  const cpuMsPerStream =
    cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / records.length;
  console.log(
    `  ended: ${outcomes.done} done, ${outcomes.error} error, ${outcomes.cut} cut, ${outcomes.refused} refused, ${unfinished} unfinished; CPU ${cpuMsPerStream === undefined ? '-' : `${cpuMsPerStream.toFixed(2)} ms per stream, ${(cpuMsPerStream / words).toFixed(3)} ms per token`}`,
  );
  if (Object.keys(refusals).length > 0) console.log(`  refused: ${JSON.stringify(refusals)}`);
  if (profileDir !== undefined) {
    const profile = await collectCpuProfile(
      handle,
      profileDir,
      `streaming-${id}`,
      `${ROOT}/`,
      measuredFromMicros,
    );
    console.log(`\n${formatCpuProfile(LABELS[id], profile)}`);
  }
  await handle.stop();
  if (unfinished > 0) outcomes.cut += unfinished;
  return {
    id,
    label: LABELS[id],
    baselineRssKb,
    levels,
    outcomes,
    refusals,
    opened: records.length,
    ...(cpuMsPerStream === undefined ? {} : { cpuMsPerStream }),
  };
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const levels = numberListOption(options, 'levels', [1000, 4000, 8000], {
    min: 1,
    max: 9_000,
    integer: true,
  });
  const openRate = numberOption(options, 'open-rate', 400, { min: 1, max: 10_000 });
  const tokenDelayMs = numberOption(options, 'token-delay-ms', 30, { min: 1, max: 10_000 });
  const settleSeconds = numberOption(options, 'settle', 3, { min: 0, max: 120 });
  const ids = listOption(options, 'targets', TARGET_IDS, DEFAULT_TARGETS);
  const databaseUrl = stringOption(options, 'database-url') ?? DEFAULT_DATABASE_URL;
  const cpuProf = booleanOption(options, 'cpu-prof');
  const sortedLevels = [...levels].sort((a, b) => a - b);
  const machine = machineInfo();
  const revision = gitRevision(ROOT);
  const date = new Date().toISOString();
  const results: TargetFigures[] = [];
  let failure: string | undefined;
  console.log(
    `streaming: levels ${sortedLevels.join(', ')}, opened at ${openRate}/s, upstream token every ${tokenDelayMs} ms; ${machine.cpus} CPUs, Node ${machine.node}`,
  );
  const logDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-streaming-'));
  try {
    const upstreamHandle = spawnNode({
      name: 'fake upstream',
      nodeArgs: [FAKE_CLI, '--port', '0', '--token-delay-ms', String(tokenDelayMs)],
      stdout: 'pipe',
    });
    const upstreamUrl = await waitForLine(upstreamHandle, urlFromLine);
    for (const id of ids) {
      results.push(
        await runTarget(id, upstreamUrl, logDir, {
          levels: sortedLevels,
          openRate,
          tokenDelayMs,
          settleSeconds,
          cpuProf,
          databaseUrl,
        }),
      );
      upstreamHandle.assertRunning();
    }
    const rows: string[][] = [];
    for (const target of results) {
      for (const level of target.levels) {
        rows.push([
          target.label,
          String(level.level),
          String(level.openAtMeasure),
          level.memoryPerStreamKb.toFixed(1),
          `${level.ttft.p50.toFixed(1)} / ${level.ttft.p99.toFixed(1)}`,
          `${level.addedTtft.p50.toFixed(1)} / ${level.addedTtft.p99.toFixed(1)}`,
        ]);
      }
    }
    console.log(
      `\n${formatTable(
        [
          { header: 'target' },
          { header: 'level', align: 'right' },
          { header: 'open', align: 'right' },
          { header: 'KB/stream', align: 'right' },
          { header: 'TTFT p50/p99 ms', align: 'right' },
          { header: 'added p50/p99 ms', align: 'right' },
        ],
        rows,
      )}`,
    );
    const keel = results.find((target) => target.id === 'keel');
    if (keel) {
      const last = keel.levels.at(-1);
      if (last) {
        console.log(
          `\nP3 at ${last.level} streams: memory ${last.memoryPerStreamKb.toFixed(1)} KB/stream (target <= ${TARGET_MEMORY_KB}): ${last.memoryPerStreamKb <= TARGET_MEMORY_KB ? 'met' : 'NOT met'}; added TTFT p99 ${last.addedTtft.p99.toFixed(1)} ms (target <= ${TARGET_ADDED_TTFT_P99_MS}): ${last.addedTtft.p99 <= TARGET_ADDED_TTFT_P99_MS ? 'met' : 'NOT met'}`,
        );
      }
    }
    const dropped = results.filter((target) => target.outcomes.cut + target.outcomes.refused > 0);
    if (dropped.length > 0) {
      throw new BenchFailure(
        `streams dropped: ${dropped.map((target) => `${target.id}: ${target.outcomes.cut} cut, ${target.outcomes.refused} refused`).join('; ')}`,
      );
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    await stopAllChildren();
    agent.destroy();
    if (results.length > 0 || failure) {
      const file = await writeResults('streaming', {
        benchmark: 'streaming',
        date,
        machine,
        revision,
        settings: {
          levels: sortedLevels,
          openRatePerSecond: openRate,
          tokenDelayMs,
          settleSeconds,
          probeEvery: PROBE_EVERY,
          keel: 'node bin/keel.js serve (decision 0198 settings), KEEL_DATA_DIR=memory://, LOG_LEVEL=info to a file',
          relay: 'bench/support/sse-relay.ts (node:http + global fetch)',
          upstream: `test/fixtures/fake-openai/cli.ts --token-delay-ms ${tokenDelayMs}`,
        },
        targetP3: { memoryPerStreamKb: TARGET_MEMORY_KB, addedTtftP99Ms: TARGET_ADDED_TTFT_P99_MS },
        results,
        failure,
      });
      console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
    }
    await rm(logDir, { recursive: true, force: true });
  }
}
