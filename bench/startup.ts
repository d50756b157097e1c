/**
 * `npm run bench -- startup`: how long `keel serve` takes from spawn to `/readyz` 200 on the embedded
 * database, first on an empty data directory (initialisation and migrations), then on the warm one (a
 * restart), `--runs` times, and the idle RSS after the first warm start, before and after the first local
 * embedding (P6). `--cpu-prof` keeps a CPU profile of the last warm start (up to ready) as
 * `bench/results/startup.cpuprofile` with a self-time summary per package.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchFailure } from './support/benchmark.ts';
import { collectCpuProfile, cpuProfileFlags, formatCpuProfile } from './support/cpu-profile.ts';
import { machineInfo } from './support/machine.ts';
import type { BenchOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode } from './support/processes.ts';
import { median } from './support/stats.ts';
import { formatTable } from './support/table.ts';

export const description = 'keel serve from spawn to /readyz 200: first start, then warm restarts';
export const optionsHelp = {
  runs: 'warm restarts to time (default 5)',
  'cpu-prof': 'keep a CPU profile of the last warm start (bench/results/startup.cpuprofile)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
// What `npm start` runs (bin/keel.js turns on Node's compile cache before loading the CLI).
const CLI = path.join(ROOT, 'bin/keel.js');
const READY_TIMEOUT_MS = 180_000;
const IDLE_SETTLE_MS = 5_000;
// V8 keeps compiling PGlite's hot WebAssembly functions with TurboFan for a while after ready (hundreds of MB
// of compiler memory on a loaded machine, freed when done), so the idle figure is also read later.
const IDLE_LATE_MS = 30_000;

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux; undefined elsewhere). On a busy
 * machine the wall-clock time to ready mostly measures the other processes; the CPU it took does not.
 */
/** Resident set size of a process in MB, from /proc (Linux; undefined elsewhere). */
async function residentMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

interface IdleMemory {
  idle?: number;
  late?: number;
  embedded?: number;
}

/**
 * Idle RSS (issue 16, P6): 5 s and 30 s after ready, then after the first local embedding (USE-lite
 * loads).
 */
async function idleMemory(handle: ChildHandle, port: number): Promise<IdleMemory> {
  await sleep(IDLE_SETTLE_MS);
  const idle = await residentMb(handle.child.pid);
  await sleep(IDLE_LATE_MS - IDLE_SETTLE_MS);
  const late = await residentMb(handle.child.pid);
  const response = await fetch(`http://127.0.0.1:${port}/openai/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'embed', input: 'The first embedding loads the local embedder.' }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new BenchFailure(`the first embedding answered ${response.status}`);
  await sleep(IDLE_SETTLE_MS);
  return { idle, late, embedded: await residentMb(handle.child.pid) };
}

async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name; in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Spawns `keel serve`, polls `/readyz` every 10 ms, and returns the milliseconds until it answered 200. */
async function timeStart(
  dataDir: string,
  nodeFlags: readonly string[],
): Promise<{ ms: number; cpu: number | undefined; handle: ChildHandle; port: number }> {
  const port = await freePort();
  const started = performance.now();
  const handle = spawnNode({
    name: 'keel serve',
    nodeArgs: [...nodeFlags, CLI, 'serve'],
    cwd: path.dirname(dataDir),
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      KEEL_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdout: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/readyz`;
  while (performance.now() - started < READY_TIMEOUT_MS) {
    handle.assertRunning();
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) {
        const ms = performance.now() - started;
        return { ms, cpu: await cpuSeconds(handle.child.pid), handle, port };
      }
    } catch {
      // Not listening yet.
    }
    await sleep(10);
  }
  await handle.stop();
  throw new BenchFailure(`keel serve was not ready within ${READY_TIMEOUT_MS} ms`);
}

export async function run(options: BenchOptions): Promise<void> {
  const runs = Number(options.runs ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new BenchFailure('--runs must be a positive integer');
  const directory = await mkdtemp(path.join(tmpdir(), 'keel-bench-startup-'));
  const dataDir = path.join(directory, 'data');
  try {
    process.stdout.write(`${JSON.stringify(machineInfo())}\n`);
    const first = await timeStart(dataDir, []);
    await first.handle.stop(30_000);
    const warm: number[] = [];
    const warmCpu: number[] = [];
    let profile: string | undefined;
    let memory: IdleMemory = {};
    for (let index = 0; index < runs; index += 1) {
      const profiled = options['cpu-prof'] === true && index === runs - 1;
      const profileDir = profiled
        ? await mkdtemp(path.join(tmpdir(), 'keel-bench-startup-prof-'))
        : undefined;
      const start = await timeStart(dataDir, cpuProfileFlags(profileDir));
      warm.push(start.ms);
      if (start.cpu !== undefined) warmCpu.push(start.cpu);
      if (index === 0) memory = await idleMemory(start.handle, start.port);
      if (profileDir !== undefined) {
        const kept = await collectCpuProfile(start.handle, profileDir, 'startup', ROOT, undefined);
        profile = formatCpuProfile('the last warm start (spawn to exit)', kept);
        await rm(profileDir, { recursive: true, force: true });
      } else {
        await start.handle.stop(30_000);
      }
    }
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const cpu = (seconds: number | undefined) => (seconds === undefined ? '-' : `${seconds.toFixed(2)} s`);
    process.stdout.write(
      `${formatTable(
        [
          { header: 'start', align: 'left' },
          { header: 'to /readyz 200', align: 'right' },
          { header: 'CPU used by then', align: 'right' },
        ],
        [
          ['first (empty data dir)', fmt(first.ms), cpu(first.cpu)],
          ...warm.map((ms, index) => [`warm restart ${index + 1}`, fmt(ms), cpu(warmCpu[index])]),
          ['warm median', fmt(median(warm)), warmCpu.length > 0 ? cpu(median(warmCpu)) : '-'],
        ],
      )}\n`,
    );
    const mb = (value: number | undefined) => (value === undefined ? '-' : `${value} MB`);
    process.stdout.write(
      `\nidle RSS (P6, target <= 250 MB before the first embedding): ${mb(memory.idle)} ${IDLE_SETTLE_MS / 1000} s after ready, ${mb(memory.late)} ${IDLE_LATE_MS / 1000} s after ready; ${mb(memory.embedded)} after the first local embedding\n`,
    );
    if (profile) process.stdout.write(`\n${profile}\n`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
