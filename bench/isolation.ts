/**
 * P8: isolation of the API process from CPU-heavy work, on the embedded default. Side by side in one run
 * (the code measured, and with --baseline the same scenario on an earlier commit):
 *   (a) `keel ingest` of a corpus of mixed files (Markdown, text, HTML, JSON, PDF, DOCX; --mb of them)
 *   (b) a second client in a closed loop: GET /readyz, GET /v1/jobs/{id}, POST /v1/classify (a cheap call)
 * It reports the API process's event-loop delay p50/p99 while ingesting (nodejs_eventloop_lag_* from
 * /metrics, one window per second), (b)'s latency p50/p99 per request and how many were refused, ingestion
 * MB/s, and uploads lost (files not ready at the end). Figures go to bench/results/isolation.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeMixedCorpus } from '../test/fixtures/documents/mixed-corpus.ts';
import { BenchFailure } from './support/benchmark.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, numberOption, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode } from './support/processes.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'P8: event-loop delay and cheap-call latency of the API while `keel ingest` runs (embedded), optionally against a baseline commit';

export const optionsHelp = {
  mb: 'megabytes of mixed files to ingest (default 5)',
  baseline:
    'a git commit to measure side by side (checked out in a temporary worktree), e.g. HEAD~10; or the path of a checkout with its dependencies installed',
  'baseline-env':
    "KEY=VALUE[,KEY=VALUE] for the baseline's processes only, e.g. KEEL_MAX_EVENT_LOOP_DELAY_MS=0 to measure its throughput with its shedding off",
  'busy-core': 'also keep one core busy with a spinning process during the run (default off)',
  'timeout-s': 'give up waiting for ingestion after this many seconds (default 900)',
};

const ROOT = path.resolve(import.meta.dirname, '..');

interface Probe {
  readonly name: string;
  readonly latenciesMs: number[];
  refused: number;
  failed: number;
}

interface TreeResult {
  readonly tree: string;
  readonly commit: string;
  readonly files: number;
  readonly megabytes: number;
  readonly ingestSeconds: number;
  readonly megabytesPerSecond: number;
  readonly uploadsLost: number;
  readonly ingestExit: string;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number };
  readonly probes: ReadonlyArray<{
    readonly name: string;
    readonly requests: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly refused: number;
    readonly failed: number;
  }>;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function timed(probe: Probe, request: () => Promise<Response>): Promise<void> {
  const started = performance.now();
  try {
    const response = await request();
    await response.arrayBuffer();
    probe.latenciesMs.push(performance.now() - started);
    if (response.status === 429 || response.status === 503) probe.refused += 1;
    else if (response.status >= 400) probe.failed += 1;
  } catch {
    probe.failed += 1;
  }
}

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function measureTree(
  extraEnv: Readonly<Record<string, string>>,
  tree: string,
  corpusDir: string,
  corpusBytes: number,
  files: number,
  timeoutSeconds: number,
) {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'keel-isolation-data-'));
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    PORT: String(port),
    HOST: '127.0.0.1',
    KEEL_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.KEEL_ADMIN_KEY;
  const server = spawnNode({
    name: `keel serve (${tree})`,
    nodeArgs: [path.join(tree, 'src/main/cli.ts'), 'serve'],
    env,
    cwd: tree,
    stdout: 'ignore',
  });
  try {
    await waitForHttpOk(`${base}/readyz`, server, 120_000);
    const json = { 'content-type': 'application/json' };
    const classify = JSON.stringify({
      text: 'Please refund the double charge.',
      labels: [{ name: 'billing' }, { name: 'bug' }],
    });
    // Warm the engine (first embedding loads the model) and make a job to read.
    await (
      await fetch(`${base}/v1/classify`, { method: 'POST', headers: json, body: classify })
    ).arrayBuffer();
    const job = (await (
      await fetch(`${base}/v1/classify/jobs`, { method: 'POST', headers: json, body: classify })
    ).json()) as { id: string };

    const probes: Probe[] = ['GET /readyz', 'GET /v1/jobs/{id}', 'POST /v1/classify'].map((name) => ({
      name,
      latenciesMs: [],
      refused: 0,
      failed: 0,
    }));
    const lagP50: number[] = [];
    const lagP99: number[] = [];
    let ingesting = true;
    const probeLoop = (async () => {
      while (ingesting) {
        await timed(probes[0] as Probe, () => fetch(`${base}/readyz`));
        await timed(probes[1] as Probe, () => fetch(`${base}/v1/jobs/${job.id}`));
        await timed(probes[2] as Probe, () =>
          fetch(`${base}/v1/classify`, { method: 'POST', headers: json, body: classify }),
        );
      }
    })();
    // Resets the lag histogram: the first scrape's figures cover start-up, not ingestion.
    await (await fetch(`${base}/metrics`)).arrayBuffer();
    const lagLoop = (async () => {
      while (ingesting) {
        await sleep(1_000);
        const text = await (await fetch(`${base}/metrics`)).text().catch(() => '');
        const p50 = metricValue(text, 'nodejs_eventloop_lag_p50_seconds');
        const p99 = metricValue(text, 'nodejs_eventloop_lag_p99_seconds');
        if (p50 !== undefined) lagP50.push(p50 * 1_000);
        if (p99 !== undefined) lagP99.push(p99 * 1_000);
      }
    })();

    const started = performance.now();
    const ingest = spawnNode({
      name: `keel ingest (${tree})`,
      nodeArgs: [
        path.join(tree, 'src/main/cli.ts'),
        'ingest',
        corpusDir,
        '--collection',
        'isolation',
        '--url',
        base,
      ],
      env,
      cwd: tree,
      stdout: 'ignore',
    });
    const deadline = Date.now() + timeoutSeconds * 1_000;
    const ingestExit = await Promise.race([
      ingest.exited,
      sleep(timeoutSeconds * 1_000).then(() => 'timeout'),
    ]);
    // Whatever the CLI said, the server's word decides: every file ready, or lost.
    let ready = 0;
    while (Date.now() < deadline) {
      const listing = (await (await fetch(`${base}/v1/collections`)).json()) as {
        items: Array<{ name: string; documents: { queued: number; processing: number; ready: number } }>;
      };
      const collection = listing.items.find((item) => item.name === 'isolation');
      ready = collection?.documents.ready ?? 0;
      if (collection === undefined || collection.documents.queued + collection.documents.processing === 0)
        break;
      await sleep(500);
    }
    const ingestSeconds = (performance.now() - started) / 1_000;
    ingesting = false;
    await Promise.all([probeLoop, lagLoop]);
    await ingest.stop();
    const megabytes = corpusBytes / 1_000_000;
    return {
      megabytes: round(megabytes, 2),
      ingestSeconds: round(ingestSeconds),
      megabytesPerSecond: round(megabytes / ingestSeconds, 3),
      uploadsLost: files - ready,
      ingestExit,
      eventLoopDelayMs: { p50: round(percentile(lagP50, 50)), p99: round(Math.max(...lagP99, 0)) },
      probes: probes.map((probe) => ({
        name: probe.name,
        requests: probe.latenciesMs.length,
        p50Ms: round(percentile(probe.latenciesMs, 50)),
        p99Ms: round(percentile(probe.latenciesMs, 99)),
        refused: probe.refused,
        failed: probe.failed,
      })),
    };
  } finally {
    await server.stop(10_000);
    await rm(dataDir, { recursive: true, force: true });
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const megabytes = numberOption(options, 'mb', 5);
  const timeoutSeconds = numberOption(options, 'timeout-s', 900);
  const baseline = typeof options.baseline === 'string' ? options.baseline : undefined;
  const baselineEnv = Object.fromEntries(
    (typeof options['baseline-env'] === 'string' ? options['baseline-env'].split(',') : [])
      .map((pair) => pair.split('='))
      .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== ''),
  );
  const corpusDir = await mkdtemp(path.join(tmpdir(), 'keel-isolation-corpus-'));
  const worktrees: string[] = [];
  let spinner: ChildHandle | undefined;
  try {
    const files = await writeMixedCorpus(corpusDir, megabytes * 1_000_000);
    const corpusBytes = files.reduce((total, file) => total + file.bytes, 0);
    process.stdout.write(
      `corpus: ${files.length} files, ${(corpusBytes / 1e6).toFixed(2)} MB in ${corpusDir}\n`,
    );
    const trees: Array<{ tree: string; commit: string }> = [];
    if (baseline !== undefined && (await stat(baseline).catch(() => undefined))?.isDirectory()) {
      const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: baseline, encoding: 'utf8' }).trim();
      trees.push({ tree: path.resolve(baseline), commit });
    } else if (baseline !== undefined) {
      const tree = await mkdtemp(path.join(tmpdir(), 'keel-isolation-baseline-'));
      git('worktree', 'add', '--detach', tree, baseline);
      worktrees.push(tree);
      const sameLock =
        (await readFile(path.join(tree, 'package-lock.json'), 'utf8')) ===
        (await readFile(path.join(ROOT, 'package-lock.json'), 'utf8'));
      if (sameLock) await symlink(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
      else {
        process.stdout.write("installing the baseline commit's own dependencies (npm ci)...\n");
        execFileSync('npm', ['ci', '--no-fund', '--no-audit'], { cwd: tree, stdio: 'ignore' });
      }
      trees.push({ tree, commit: git('rev-parse', baseline) });
    }
    trees.push({ tree: ROOT, commit: git('rev-parse', 'HEAD') });
    if (options['busy-core'] === true) {
      spinner = spawnNode({ name: 'spinner', nodeArgs: ['-e', 'for(;;){}'], stdout: 'ignore' });
    }
    const results: TreeResult[] = [];
    for (const { tree, commit } of trees) {
      process.stdout.write(
        `measuring ${commit.slice(0, 10)} (${tree === ROOT ? 'this tree' : 'baseline'})...\n`,
      );
      const extraEnv = tree === ROOT ? {} : baselineEnv;
      const measured = await measureTree(
        extraEnv,
        tree,
        corpusDir,
        corpusBytes,
        files.length,
        timeoutSeconds,
      );
      results.push({
        tree:
          tree === ROOT
            ? 'current'
            : `baseline${Object.keys(extraEnv).length > 0 ? ` (${options['baseline-env']})` : ''}`,
        commit,
        files: files.length,
        ...measured,
      });
      process.stdout.write(`${JSON.stringify(results.at(-1))}\n`);
    }
    const rows = results.flatMap((result) => [
      [
        result.tree,
        result.commit.slice(0, 10),
        'event loop delay',
        `${result.eventLoopDelayMs.p50}`,
        `${result.eventLoopDelayMs.p99}`,
        '',
        '',
      ],
      ...result.probes.map((probe) => [
        result.tree,
        '',
        probe.name,
        `${probe.p50Ms}`,
        `${probe.p99Ms}`,
        `${probe.refused}/${probe.requests}`,
        `${probe.failed}`,
      ]),
      [
        result.tree,
        '',
        `ingest ${result.megabytes} MB: ${result.megabytesPerSecond} MB/s, lost ${result.uploadsLost}/${result.files}, cli ${result.ingestExit}`,
        '',
        '',
        '',
        '',
      ],
    ]);
    process.stdout.write(
      `${formatTable(
        [
          { header: 'tree' },
          { header: 'commit' },
          { header: 'measure' },
          { header: 'p50 ms', align: 'right' },
          { header: 'p99 ms', align: 'right' },
          { header: 'refused', align: 'right' },
          { header: 'failed', align: 'right' },
        ],
        rows,
      )}\n`,
    );
    const file = await writeResults('isolation', {
      machine: machineInfo(),
      busyCore: options['busy-core'] === true,
      results,
    });
    process.stdout.write(`wrote ${file}\n`);
    const current = results.at(-1);
    if (current === undefined || current.uploadsLost > 0) {
      throw new BenchFailure(`${current?.uploadsLost ?? '?'} uploads were not ingested`);
    }
  } finally {
    await spinner?.stop(1_000);
    for (const tree of worktrees) {
      try {
        git('worktree', 'remove', '--force', tree);
      } catch {
        await rm(tree, { recursive: true, force: true });
      }
    }
    await rm(corpusDir, { recursive: true, force: true });
  }
}
