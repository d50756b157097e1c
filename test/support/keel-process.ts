import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';

const CLI = path.resolve(import.meta.dirname, '../../src/main/cli.ts');

/**
 * Node flags of the `keel` processes the suite starts. `--liftoff-only` keeps V8 from compiling the embedded
 * database's WebAssembly a second time with its optimising compiler (TurboFan) on background threads, work a
 * process living seconds to minutes and answering a few requests never earns back; and a process does not
 * exit until those compile jobs end, so each SIGTERM waited seconds for them. Code generation only: what
 * runs, and what it answers, is the same.
 * - Commands run to completion (`runKeel`): keys-cli.e2e 73 -> 42 s of CPU (decision 0176).
 * - Servers and workers (`startKeel`, `startKeelWorker`): a `keel serve` answering a few requests used 9 to 10
 *   s of CPU, 4 to 6.5 s on Liftoff; seven e2e files 104 -> 72 s of CPU (decision 0200). A server running the
 *   local embedder (TensorFlow.js on WebAssembly) over real text ran twice as long on Liftoff code: those ask
 *   for the default tiers with `optimisedWebAssembly`.
 * KEEL_TEST_NODE_FLAGS and KEEL_TEST_SERVER_NODE_FLAGS override them, for measuring.
 */
const COMMAND_NODE_FLAGS = (process.env.KEEL_TEST_NODE_FLAGS ?? '--liftoff-only').split(' ').filter(Boolean);
export const SERVER_NODE_FLAGS = (process.env.KEEL_TEST_SERVER_NODE_FLAGS ?? '--liftoff-only')
  .split(' ')
  .filter(Boolean);

export interface StartKeelOptions {
  readonly onLog?: (entry: Record<string, unknown>) => void;
  /**
   * Node's default WebAssembly tiers (Liftoff, then TurboFan for hot code) instead of Liftoff only: for a
   * server that embeds real text with the local embedder, whose WebAssembly runs for most of the test.
   */
  readonly optimisedWebAssembly?: boolean;
}

export interface KeelProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: string[];
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * What every Keel child process inherits: PATH, and Node's compile cache and Keel's cluster template when
 * the suite set them (vitest.config.ts), so each of the many `keel` starts skips compiling the modules the
 * last one did and running initdb.
 * Nothing else: each test states the Keel environment it means.
 */
export function baseEnvironment(): Record<string, string> {
  const { NODE_COMPILE_CACHE, KEEL_CACHE_DIR } = process.env;
  return {
    PATH: process.env.PATH ?? '',
    ...(NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE } : {}),
    // Unset, `keel` would use the cache in HOME, which the children do not inherit.
    KEEL_CACHE_DIR: KEEL_CACHE_DIR ?? 'off',
  };
}

/** Every child this test file started: killed when the test process exits, whatever happened. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Registers a spawned process so a failed or timed-out test cannot leave it running. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** User + system CPU seconds a live process has used so far (Linux), or undefined once it is gone. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * For measuring the suite: with KEEL_TEST_CHILD_CPU_LOG set to a file, each `keel` child's CPU seconds (read
 * every 100 ms while it runs, so the last few milliseconds are missed) and how long it lived are appended to
 * it as one JSON line when it exits, with the test file and the command.
 */
export function accountCpu(child: ChildProcess, command: readonly string[]): void {
  const log = process.env.KEEL_TEST_CHILD_CPU_LOG;
  const pid = child.pid;
  if (!log || pid === undefined) return;
  const file = path.relative(process.cwd(), expect.getState().testPath ?? '');
  const started = Date.now();
  let cpu = 0;
  const poll = setInterval(() => {
    cpu = cpuSecondsOf(pid) ?? cpu;
  }, 100);
  poll.unref();
  child.once('exit', () => {
    clearInterval(poll);
    const line = { file, command: command.join(' '), cpu, seconds: (Date.now() - started) / 1000 };
    appendFileSync(log, `${JSON.stringify(line)}\n`);
  });
}

/** A temporary working directory (and so data dir) for one Keel process. */
export async function temporaryDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'keel-e2e-'));
  return { path: directory, remove: () => rm(directory, { recursive: true, force: true }) };
}

/** Runs `keel serve` as a real process on a free port and waits for its "keel is ready" log line. */
export async function startKeel(
  environment: Record<string, string>,
  cwd: string,
  options: StartKeelOptions = {},
): Promise<KeelProcess> {
  const flags = options.optimisedWebAssembly ? [] : SERVER_NODE_FLAGS;
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    [...flags, CLI, 'serve'],
    {
      cwd,
      env: { ...baseEnvironment(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  track(child);
  accountCpu(child, ['serve']);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        options.onLog?.(entry);
        if (entry.msg === 'keel is ready') resolve(String(entry.url));
      } catch {
        stderr.push(line);
      }
    });
    void exited.then((code) =>
      reject(new Error(`keel exited with ${code} before it was ready: ${stderr.join('\n')}`)),
    );
  });
  const url = await ready;
  return {
    url,
    child,
    logs,
    stderr,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the `keel` CLI to completion and returns what it printed. */
export async function runKeel(
  args: readonly string[],
  environment: Record<string, string> = {},
  cwd: string = process.cwd(),
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...COMMAND_NODE_FLAGS, CLI, ...args], {
    cwd,
    env: { ...baseEnvironment(), ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  accountCpu(child, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}
