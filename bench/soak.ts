/**
 * R8, soak: one `keel serve` (embedded PGlite in a fresh temporary data directory, auth on with
 * KEEL_ADMIN_KEY) pointed at the fake OpenAI-compatible upstream (bench/support/outage-upstream.ts), under
 * mixed load for --minutes with an upstream outage of --outage-minutes in the middle (the upstream answers
 * 503 to every model request, or hangs with --outage-mode hang). The load is a set of small closed loops,
 * each with bounded concurrency and at most one request per --pace-ms per loop worker, loopback only:
 *   generate        sync POST /v1/generate (model)
 *   generate-sse    POST /v1/generate with Accept: text/event-stream (model), must end in `done` or `error`
 *   chat-sse        POST /openai/v1/chat/completions with stream: true (model), must end in [DONE] or an error
 *   jobs            POST /v1/classify/jobs (model: local, so the job machinery is soaked, not the fake's
 *                   replies), then GET /v1/jobs/{id} until terminal
 *   uploads         POST /v1/collections/{id}/documents/upload (multipart, a small generated text), then
 *                   GET /v1/documents/{id} until ready or failed
 *   search          POST /v1/search over that collection (hybrid, local embeddings)
 * Every --sample-seconds it samples the server's RSS (/proc/<pid>/status VmRSS), open file descriptors
 * (/proc/<pid>/fd) and open streams (keel_open_streams from /metrics). Requests are counted by the phase
 * they started in: before, during (the outage), recovery (the first --grace-seconds after it) and after.
 *
 * It reports the curve, whether RSS and descriptors plateau (mean of the last third of the samples vs the
 * middle third: growth < 10%), errors after recovery and anything lost, and writes bench/results/soak.json.
 * It fails (BenchFailure) when the `after` phase has any 5xx, network error, stream ending in error or cut,
 * or failed job/upload, or when an accepted job is not terminal or an accepted upload is not ready at the end.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchFailure } from './support/benchmark.ts';
import { gitRevision } from './support/git.ts';
import { urlFromLine } from './support/local-servers.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, listOption, numberOption, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode, waitForLine } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'R8: 30 minutes of mixed load (sync, streams, jobs, uploads, search) with an upstream outage in the middle: RSS/fd plateau, no error after recovery, nothing lost';

export const optionsHelp = {
  minutes: 'total duration of the load (default 30)',
  'outage-minutes': 'length of the upstream outage, centred in the run (default 5)',
  'outage-mode': 'what the upstream does during the outage: status-503 or hang (default status-503)',
  concurrency: 'workers per loop (generate, generate-sse, chat-sse, jobs, uploads, search) (default 2)',
  'pace-ms': 'minimum time between two requests of one loop worker (default 500)',
  'sample-seconds': 'seconds between samples of RSS, descriptors and open streams (default 10)',
  'table-every': 'print one row of the curve every N samples (default: about 30 rows in all)',
  'grace-seconds': 'after the outage, seconds during which 5xx are still allowed (default 30)',
  'drain-seconds': 'after the load, seconds to wait for accepted jobs and uploads to finish (default 120)',
  'token-delay-ms': "the upstream's gap between streamed tokens (default 20)",
};

const ROOT = path.resolve(import.meta.dirname, '..');
const KEEL_CLI = path.join(ROOT, 'src/main/cli.ts');
const UPSTREAM_CLI = path.join(import.meta.dirname, 'support/outage-upstream.ts');
const MODEL = 'fake-model';
const ADMIN_KEY = 'bench-soak-admin-key-0123456789abcdef';
/** Longer than Keel's own bound on one model call (120 s of attempts and backoff), so Keel's answer is seen. */
const REQUEST_TIMEOUT_MS = 150_000;
const POLL_MS = 250;
/** R8: growth of the last third's mean over the middle third's below this is a plateau. */
const PLATEAU_GROWTH = 0.1;

const PHASES = ['before', 'during', 'recovery', 'after'] as const;
type Phase = (typeof PHASES)[number];
const LOOPS = ['generate', 'generate-sse', 'chat-sse', 'jobs', 'uploads', 'search'] as const;
type LoopName = (typeof LOOPS)[number];
const OUTAGE_MODES = ['status-503', 'hang'] as const;

interface PhaseCounts {
  /** `<request kind>` -> `2xx` | `4xx:<code>` | `5xx:<code>` | `network` -> count. */
  readonly requests: Record<string, Record<string, number>>;
  readonly streams: { done: number; error: number; cut: number };
  readonly jobs: { accepted: number; succeeded: number; failed: number; cancelled: number };
  readonly uploads: { accepted: number; ready: number; failed: number };
}

interface Sample {
  readonly atSeconds: number;
  readonly phase: Phase;
  readonly rssMb: number;
  readonly fds: number;
  readonly openStreams: number | null;
  /** V8 heap in use and memory outside it (buffers, WebAssembly: PGlite), from /metrics. */
  readonly heapUsedMb: number | null;
  readonly externalMb: number | null;
  readonly requests: number;
}

interface Pending {
  readonly kind: 'job' | 'upload';
  readonly id: string;
  readonly phase: Phase;
}

function emptyCounts(): PhaseCounts {
  return {
    requests: {},
    streams: { done: 0, error: 0, cut: 0 },
    jobs: { accepted: 0, succeeded: 0, failed: 0, cancelled: 0 },
    uploads: { accepted: 0, ready: 0, failed: 0 },
  };
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

function metricValue(text: string, name: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

function megabytes(bytes: number | null): number | null {
  return bytes === null || !Number.isFinite(bytes) ? null : Math.round(bytes / 104_857.6) / 10;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Mean of the last third of `values` over the mean of the middle third, minus one. */
function thirdsGrowth(values: readonly number[]): { middle: number; last: number; growth: number } {
  const third = Math.floor(values.length / 3);
  const middle = mean(values.slice(third, 2 * third));
  const last = mean(values.slice(2 * third));
  return { middle, last, growth: last / middle - 1 };
}

function keelEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const owned = /^(KEEL_|DATABASE_URL$|REDIS_URL$|OPENAI_|ANTHROPIC_|LOG_LEVEL$|PORT$|HOST$|OTEL_)/;
  for (const [name, value] of Object.entries(process.env)) if (!owned.test(name)) env[name] = value;
  return { ...env, ...overrides };
}

const WORDS =
  'keel hull mast sail rudder tiller anchor harbour tide current wind storm calm compass chart buoy deck cabin galley rope knot winch boom jib bow stern port starboard'.split(
    ' ',
  );

/** A small text unique to `seed` (the same bytes twice in a collection would be one document). */
function documentText(seed: number): string {
  const sentences: string[] = [`Soak document ${seed} ${randomUUID()}.`];
  for (let index = 0; index < 12; index++) {
    const words = Array.from(
      { length: 10 },
      (_, word) => WORDS[(seed * 7 + index * 3 + word) % WORDS.length],
    );
    sentences.push(`${words.join(' ')}.`);
  }
  return sentences.join(' ');
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const minutes = numberOption(options, 'minutes', 30, { min: 0.5, max: 24 * 60 });
  const outageMinutes = numberOption(options, 'outage-minutes', 5, { min: 0, max: minutes / 2 });
  const [outageMode = 'status-503'] = listOption(options, 'outage-mode', OUTAGE_MODES, ['status-503']);
  const concurrency = numberOption(options, 'concurrency', 2, { min: 1, max: 8, integer: true });
  const paceMs = numberOption(options, 'pace-ms', 500, { min: 50, max: 60_000 });
  const sampleSeconds = numberOption(options, 'sample-seconds', 10, { min: 1, max: 600 });
  const graceSeconds = numberOption(options, 'grace-seconds', 30, { min: 0, max: 600 });
  const drainSeconds = numberOption(options, 'drain-seconds', 120, { min: 1, max: 3600 });
  const tokenDelayMs = numberOption(options, 'token-delay-ms', 20, { min: 0, max: 1000 });
  const totalSamples = Math.floor((minutes * 60) / sampleSeconds);
  const tableEvery = numberOption(options, 'table-every', Math.max(1, Math.ceil(totalSamples / 30)), {
    min: 1,
    integer: true,
  });
  const durationMs = minutes * 60_000;
  const outageStartMs = (durationMs - outageMinutes * 60_000) / 2;
  const outageEndMs = outageStartMs + outageMinutes * 60_000;

  const machine = machineInfo();
  const revision = gitRevision(ROOT);
  const date = new Date().toISOString();
  const workDir = await mkdtemp(path.join(tmpdir(), 'keel-bench-soak-'));
  const dataDir = path.join(workDir, 'data');
  const counts: Record<Phase, PhaseCounts> = {
    before: emptyCounts(),
    during: emptyCounts(),
    recovery: emptyCounts(),
    after: emptyCounts(),
  };
  const samples: Sample[] = [];
  const pending = new Map<string, Pending>();
  let totalRequests = 0;
  let failure: string | undefined;
  let summary: Record<string, unknown> = {};
  console.log(
    `soak: ${minutes} min, upstream outage (${outageMode}) from ${(outageStartMs / 60_000).toFixed(1)} to ${(outageEndMs / 60_000).toFixed(1)} min; ${LOOPS.length} loops x ${concurrency} workers, >= ${paceMs} ms apart; sample every ${sampleSeconds} s; ${machine.cpus} CPUs, Node ${machine.node}`,
  );

  let keel: ChildHandle | undefined;
  try {
    const upstream = spawnNode({
      name: 'fake upstream',
      nodeArgs: [
        UPSTREAM_CLI,
        '--port',
        '0',
        '--token-delay-ms',
        String(tokenDelayMs),
        '--outage',
        outageMode,
      ],
      stdout: 'pipe',
    });
    const upstreamUrl = await waitForLine(upstream, urlFromLine);
    const port = await freePort();
    keel = spawnNode({
      name: 'keel',
      nodeArgs: [KEEL_CLI, 'serve'],
      cwd: workDir,
      env: keelEnvironment({
        PORT: String(port),
        HOST: '127.0.0.1',
        KEEL_DATA_DIR: dataDir,
        OPENAI_BASE_URL: upstreamUrl,
        KEEL_MODEL: MODEL,
        KEEL_ADMIN_KEY: ADMIN_KEY,
        KEEL_LIMIT_REQUESTS_PER_MINUTE: '1000000',
        KEEL_LIMIT_TOKENS_PER_MINUTE: '1000000000',
        LOG_LEVEL: 'info',
      }),
      stdout: { file: path.join(workDir, 'keel.log') },
    });
    const server = keel;
    const pid = server.child.pid ?? 0;
    const base = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${base}/readyz`, server, 120_000);
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const json = { ...auth, 'content-type': 'application/json' };

    const created = await fetch(`${base}/v1/collections`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'soak' }),
    });
    if (created.status !== 201 && created.status !== 200) {
      throw new Error(`creating the collection answered ${created.status}: ${await created.text()}`);
    }
    const collectionId = ((await created.json()) as { id: string }).id;

    const startedAt = performance.now();
    const elapsed = () => performance.now() - startedAt;
    const phaseAt = (ms: number): Phase => {
      if (ms < outageStartMs) return 'before';
      if (ms < outageEndMs) return 'during';
      if (ms < outageEndMs + graceSeconds * 1000) return 'recovery';
      return 'after';
    };
    let running = true;

    function record(phase: Phase, kind: string, outcome: string): void {
      totalRequests += 1;
      const byKind = counts[phase].requests[kind] ?? {};
      counts[phase].requests[kind] = byKind;
      byKind[outcome] = (byKind[outcome] ?? 0) + 1;
    }
    const outcomeOf = (status: number) =>
      status >= 200 && status < 300
        ? '2xx'
        : status >= 500
          ? `5xx:${status}`
          : `${Math.floor(status / 100)}xx:${status}`;

    /** One request; the phase it started in gets its outcome. Resolves with the response (body read) or undefined. */
    async function call(
      kind: string,
      url: string,
      init: RequestInit,
    ): Promise<{ phase: Phase; status: number; text: string } | undefined> {
      const phase = phaseAt(elapsed());
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        const text = await response.text();
        record(phase, kind, outcomeOf(response.status));
        return { phase, status: response.status, text };
      } catch {
        record(phase, kind, 'network');
        return undefined;
      }
    }

    /** A streamed call: the status is counted like any request; a 200 stream is followed to its end. */
    async function stream(kind: string, url: string, body: string, doneMarker: string): Promise<void> {
      const result = await call(kind, url, {
        method: 'POST',
        headers: { ...json, accept: 'text/event-stream' },
        body,
      });
      if (result === undefined || result.status !== 200) return;
      const streams = counts[result.phase].streams;
      if (result.text.includes(doneMarker)) streams.done += 1;
      else if (/event: error|"error"/.test(result.text)) streams.error += 1;
      else streams.cut += 1;
    }

    /** Polls a job or document until terminal (or the run ends: it stays pending for the drain). */
    async function follow(item: Pending, until: () => boolean): Promise<void> {
      pending.set(item.id, item);
      while (until()) {
        await sleep(POLL_MS);
        if (await settle(item)) return;
      }
    }

    /** One status read; true once `item` is terminal (and counted). */
    async function settle(item: Pending): Promise<boolean> {
      const url =
        item.kind === 'job' ? `${base}/v1/jobs/${item.id}` : `${base}/v1/documents/${item.id}?chunkLimit=0`;
      const result = await call(`${item.kind}-poll`, url, { headers: auth });
      if (result === undefined || result.status !== 200) return false;
      const status = (JSON.parse(result.text) as { status?: string }).status;
      const phaseCounts = counts[item.phase];
      if (item.kind === 'job') {
        if (status !== 'succeeded' && status !== 'failed' && status !== 'cancelled') return false;
        phaseCounts.jobs[status] += 1;
      } else {
        if (status !== 'ready' && status !== 'failed') return false;
        phaseCounts.uploads[status] += 1;
      }
      pending.delete(item.id);
      return true;
    }

    let uploadSeed = 0;
    const generateBody = JSON.stringify({ user_input: 'Name three uses of a keel.', max_tokens: 24 });
    const chatBody = JSON.stringify({
      model: 'default',
      messages: [{ role: 'user', content: 'Name three uses of a keel.' }],
      max_tokens: 24,
      stream: true,
    });
    const classifyBody = JSON.stringify({
      text: 'Please refund the double charge on my card.',
      labels: [{ name: 'billing' }, { name: 'bug' }, { name: 'praise' }],
      model: 'local',
    });
    const searchBody = JSON.stringify({
      query: 'anchor in the harbour',
      collectionIds: [collectionId],
      k: 5,
    });
    const iterations: Record<LoopName, () => Promise<void>> = {
      generate: async () => {
        await call('generate', `${base}/v1/generate`, { method: 'POST', headers: json, body: generateBody });
      },
      'generate-sse': () => stream('generate-sse', `${base}/v1/generate`, generateBody, 'event: done'),
      'chat-sse': () => stream('chat-sse', `${base}/openai/v1/chat/completions`, chatBody, 'data: [DONE]'),
      jobs: async () => {
        const result = await call('jobs', `${base}/v1/classify/jobs`, {
          method: 'POST',
          headers: json,
          body: classifyBody,
        });
        if (result === undefined || result.status !== 202) return;
        counts[result.phase].jobs.accepted += 1;
        const id = (JSON.parse(result.text) as { id: string }).id;
        await follow({ kind: 'job', id, phase: result.phase }, () => running);
      },
      uploads: async () => {
        uploadSeed += 1;
        const form = new FormData();
        form.append(
          'file',
          new Blob([documentText(uploadSeed)], { type: 'text/plain' }),
          `soak-${uploadSeed}.txt`,
        );
        const result = await call('uploads', `${base}/v1/collections/${collectionId}/documents/upload`, {
          method: 'POST',
          headers: auth,
          body: form,
        });
        if (result === undefined || result.status !== 202) return;
        counts[result.phase].uploads.accepted += 1;
        const id = (JSON.parse(result.text) as { document: { id: string } }).document.id;
        await follow({ kind: 'upload', id, phase: result.phase }, () => running);
      },
      search: async () => {
        await call('search', `${base}/v1/search`, { method: 'POST', headers: json, body: searchBody });
      },
    };

    const workers = LOOPS.flatMap((name) =>
      Array.from({ length: concurrency }, async () => {
        while (running) {
          const started = performance.now();
          await iterations[name]();
          const wait = paceMs - (performance.now() - started);
          if (wait > 0 && running) await sleep(wait);
        }
      }),
    );

    const outageSignals = (async () => {
      if (outageMinutes === 0) return;
      await sleep(outageStartMs);
      upstream.child.kill('SIGUSR1');
      console.log(`${(elapsed() / 1000).toFixed(0)} s: upstream outage starts`);
      await sleep(Math.max(0, outageEndMs - elapsed()));
      upstream.child.kill('SIGUSR2');
      console.log(`${(elapsed() / 1000).toFixed(0)} s: upstream outage ends`);
    })();

    while (elapsed() < durationMs) {
      await sleep(Math.max(0, (samples.length + 1) * sampleSeconds * 1000 - elapsed()));
      server.assertRunning();
      upstream.assertRunning();
      const metrics = await fetch(`${base}/metrics`, { headers: auth, signal: AbortSignal.timeout(10_000) })
        .then((response) => response.text())
        .catch(() => '');
      const sample: Sample = {
        atSeconds: Math.round(elapsed() / 1000),
        phase: phaseAt(elapsed()),
        rssMb: Math.round(rssKb(pid) / 102.4) / 10,
        fds: openFds(pid),
        openStreams: metricValue(metrics, 'keel_open_streams'),
        heapUsedMb: megabytes(metricValue(metrics, 'nodejs_heap_size_used_bytes')),
        externalMb: megabytes(metricValue(metrics, 'nodejs_external_memory_bytes')),
        requests: totalRequests,
      };
      samples.push(sample);
      console.log(
        `${String(sample.atSeconds).padStart(5)} s ${sample.phase.padEnd(8)} RSS ${sample.rssMb.toFixed(1)} MB (heap ${sample.heapUsedMb ?? '-'}, external ${sample.externalMb ?? '-'}), ${sample.fds} fds, ${sample.openStreams ?? '-'} open streams, ${sample.requests} requests`,
      );
    }
    running = false;
    await Promise.all([...workers, outageSignals]);

    // Drain: every accepted job must become terminal and every accepted upload ready.
    const drainDeadline = performance.now() + drainSeconds * 1000;
    while (pending.size > 0 && performance.now() < drainDeadline) {
      for (const item of [...pending.values()]) await settle(item);
      if (pending.size > 0) await sleep(500);
    }
    const endRss = rssKb(pid);
    const endFds = openFds(pid);

    // Report.
    const curveRows = samples
      .filter((_, index) => index % tableEvery === tableEvery - 1 || index === samples.length - 1)
      .map((sample) => [
        `${sample.atSeconds}`,
        sample.phase,
        sample.rssMb.toFixed(1),
        `${sample.heapUsedMb ?? '-'}`,
        `${sample.externalMb ?? '-'}`,
        `${sample.fds}`,
        `${sample.openStreams ?? '-'}`,
        `${sample.requests}`,
      ]);
    console.log(
      `\n${formatTable(
        [
          { header: 's', align: 'right' },
          { header: 'phase' },
          { header: 'RSS MB', align: 'right' },
          { header: 'heap MB', align: 'right' },
          { header: 'external MB', align: 'right' },
          { header: 'fds', align: 'right' },
          { header: 'open streams', align: 'right' },
          { header: 'requests', align: 'right' },
        ],
        curveRows,
      )}`,
    );
    const rss = thirdsGrowth(samples.map((sample) => sample.rssMb));
    const fds = thirdsGrowth(samples.map((sample) => sample.fds));
    const plateau = {
      rss: { ...rss, plateau: rss.growth < PLATEAU_GROWTH },
      fds: { ...fds, plateau: fds.growth < PLATEAU_GROWTH },
    };
    console.log(
      `\nplateau (mean of the last third vs the middle third, < ${PLATEAU_GROWTH * 100}%): RSS ${rss.middle.toFixed(1)} -> ${rss.last.toFixed(1)} MB (${(rss.growth * 100).toFixed(1)}%) ${plateau.rss.plateau ? 'plateau' : 'GROWING'}; fds ${fds.middle.toFixed(1)} -> ${fds.last.toFixed(1)} (${(fds.growth * 100).toFixed(1)}%) ${plateau.fds.plateau ? 'plateau' : 'GROWING'}`,
    );

    const phaseRows: string[][] = [];
    for (const phase of PHASES) {
      const phaseCounts = counts[phase];
      for (const [kind, outcomes] of Object.entries(phaseCounts.requests).sort()) {
        const text = Object.entries(outcomes)
          .sort()
          .map(([outcome, count]) => `${outcome} ${count}`)
          .join(', ');
        phaseRows.push([phase, kind, text]);
      }
      const { streams, jobs, uploads } = phaseCounts;
      phaseRows.push([phase, 'streams', `done ${streams.done}, error ${streams.error}, cut ${streams.cut}`]);
      phaseRows.push([
        phase,
        'jobs',
        `accepted ${jobs.accepted}, succeeded ${jobs.succeeded}, failed ${jobs.failed}, cancelled ${jobs.cancelled}`,
      ]);
      phaseRows.push([
        phase,
        'uploads',
        `accepted ${uploads.accepted}, ready ${uploads.ready}, failed ${uploads.failed}`,
      ]);
    }
    console.log(
      `\n${formatTable([{ header: 'phase' }, { header: 'what' }, { header: 'outcomes' }], phaseRows)}`,
    );

    const after = counts.after;
    const persistent: string[] = [];
    for (const [kind, outcomes] of Object.entries(after.requests)) {
      for (const [outcome, count] of Object.entries(outcomes)) {
        if (outcome.startsWith('5xx') || outcome === 'network')
          persistent.push(`${kind} ${outcome} x${count}`);
      }
    }
    if (after.streams.error + after.streams.cut > 0) {
      persistent.push(`streams: ${after.streams.error} error, ${after.streams.cut} cut`);
    }
    if (after.jobs.failed + after.jobs.cancelled > 0) persistent.push(`jobs failed: ${after.jobs.failed}`);
    if (after.uploads.failed > 0) persistent.push(`uploads failed: ${after.uploads.failed}`);
    const lostJobs =
      PHASES.reduce((sum, phase) => sum + counts[phase].jobs.accepted, 0) -
      PHASES.reduce(
        (sum, phase) =>
          sum + counts[phase].jobs.succeeded + counts[phase].jobs.failed + counts[phase].jobs.cancelled,
        0,
      );
    const lostUploads = PHASES.reduce(
      (sum, phase) => sum + counts[phase].uploads.accepted - counts[phase].uploads.ready,
      0,
    );
    const afterCount = Object.values(after.requests).reduce(
      (sum, outcomes) => sum + Object.values(outcomes).reduce((total, count) => total + count, 0),
      0,
    );
    console.log(
      `\nafter recovery (from ${((outageEndMs + graceSeconds * 1000) / 1000).toFixed(0)} s, ${afterCount} requests): ${persistent.length === 0 ? 'no errors' : persistent.join('; ')}`,
    );
    console.log(
      `nothing lost: ${lostJobs} accepted jobs not terminal, ${lostUploads} accepted uploads not ready (${pending.size} still pending after the drain); end RSS ${(endRss / 1024).toFixed(1)} MB, ${endFds} fds`,
    );
    summary = {
      plateau,
      persistentErrors: persistent,
      afterRequests: afterCount,
      lost: { jobs: lostJobs, uploads: lostUploads, pendingAfterDrain: [...pending.values()] },
      end: { rssMb: Math.round(endRss / 102.4) / 10, fds: endFds },
    };
    if (afterCount === 0) persistent.push('no request started after the recovery window: run longer');
    if (persistent.length > 0 || lostJobs > 0 || lostUploads > 0) {
      throw new BenchFailure(
        `R8 not met: ${[
          ...(persistent.length > 0 ? [`errors after recovery: ${persistent.join('; ')}`] : []),
          ...(lostJobs > 0 ? [`${lostJobs} accepted jobs not terminal`] : []),
          ...(lostUploads > 0 ? [`${lostUploads} accepted uploads not ready`] : []),
        ].join('; ')}`,
      );
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    await keel?.stop(15_000);
    const file = await writeResults('soak', {
      benchmark: 'soak',
      date,
      machine,
      revision,
      settings: {
        minutes,
        outageMinutes,
        outageMode,
        outageFromSeconds: outageStartMs / 1000,
        outageToSeconds: outageEndMs / 1000,
        graceSeconds,
        drainSeconds,
        concurrency,
        paceMs,
        sampleSeconds,
        tokenDelayMs,
        loops: LOOPS,
        keel: 'node src/main/cli.ts serve, KEEL_DATA_DIR=<fresh temporary directory> (PGlite), KEEL_ADMIN_KEY, LOG_LEVEL=info to a file',
        upstream: `bench/support/outage-upstream.ts --token-delay-ms ${tokenDelayMs} --outage ${outageMode}`,
      },
      samples,
      phases: counts,
      ...summary,
      failure,
    });
    console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
    await rm(workDir, { recursive: true, force: true });
  }
}
