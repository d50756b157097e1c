import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A child process started by a benchmark; every one is stopped when the benchmark ends, fails or is interrupted. */
export interface ChildHandle {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<string>;
  /** Throws if the process has exited: a dead target would otherwise show up as connection errors. */
  assertRunning(): void;
  /** The last lines the process wrote on stderr, for error messages. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  /** Arguments of `node` (this Node binary): script path first, or node flags then the script. */
  readonly nodeArgs: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** `pipe` to read lines with `waitForLine`, a file path, or `ignore`. */
  readonly stdout: 'pipe' | 'ignore' | { readonly file: string };
}

const running = new Set<ChildHandle>();
const STDERR_TAIL_CHARS = 4000;

export function spawnNode(options: SpawnOptions): ChildHandle {
  const stdoutFd = typeof options.stdout === 'object' ? openSync(options.stdout.file, 'w') : undefined;
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...options.nodeArgs], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', stdoutFd ?? (options.stdout === 'pipe' ? 'pipe' : 'ignore'), 'pipe'],
    });
  } finally {
    if (stdoutFd !== undefined) closeSync(stdoutFd);
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const { promise: exited, resolve } = Promise.withResolvers<string>();
  let exitStatus: string | undefined;
  child.once('exit', (code, signal) => {
    exitStatus = signal ? `signal ${signal}` : `code ${code}`;
    running.delete(handle);
    resolve(exitStatus);
  });
  child.once('error', (error) => {
    exitStatus ??= `spawn error: ${error.message}`;
    running.delete(handle);
    resolve(exitStatus);
  });

  const handle: ChildHandle = {
    name: options.name,
    child,
    exited,
    assertRunning() {
      if (exitStatus !== undefined) {
        throw new Error(`${options.name} exited (${exitStatus})${formatTail(stderr)}`);
      }
    },
    stderrTail: () => stderr,
    async stop(graceMs = 5000) {
      if (exitStatus !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

function formatTail(stderr: string): string {
  const tail = stderr.trim();
  return tail === '' ? '' : `; its stderr ends with:\n${tail}`;
}

/** Resolves with `match(line)` for the first stdout line it accepts; rejects if the process exits first or on timeout. */
export function waitForLine<T>(
  handle: ChildHandle,
  match: (line: string) => T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const stdout = handle.child.stdout;
  if (!stdout) return Promise.reject(new Error(`${handle.name}: stdout is not piped`));
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  // Lines keep being read (and dropped) afterwards, so a chatty child never blocks on a full pipe.
  const lines = createInterface({ input: stdout });
  let settled = false;
  const timer = setTimeout(() => {
    settle(() => reject(new Error(`${handle.name} printed no ready line within ${timeoutMs} ms`)));
  }, timeoutMs);
  function settle(finish: () => void): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    finish();
  }
  lines.on('line', (line) => {
    if (settled) return;
    const value = match(line);
    if (value !== undefined) settle(() => resolve(value));
  });
  void handle.exited.then((status) => {
    settle(() =>
      reject(
        new Error(`${handle.name} exited (${status}) before it was ready${formatTail(handle.stderrTail())}`),
      ),
    );
  });
  return promise;
}

/** Stops every child still running (used in `finally` blocks and on SIGINT/SIGTERM). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((handle) => handle.stop()));
}

/** Last resort on process exit: synchronous SIGKILL of any child left. */
export function killAllChildrenNow(): void {
  for (const handle of running) handle.child.kill('SIGKILL');
}
