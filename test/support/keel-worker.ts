import { type ChildProcessByStdio, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { accountCpu, baseEnvironment, SERVER_NODE_FLAGS, track } from './keel-process.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/main/cli.ts');

export interface KeelWorkerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly logs: Array<Record<string, unknown>>;
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** SIGTERM: the worker hands its running jobs back and exits. */
  stop(): Promise<number | null>;
  /** SIGKILL: the worker dies mid-job, as a crashed host would. */
  kill(): Promise<number | null>;
}

/** Runs `keel worker` as a real process and waits for its "keel worker is ready" log line. */
export async function startKeelWorker(
  environment: Record<string, string>,
  cwd: string,
): Promise<KeelWorkerProcess> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, CLI, 'worker'], {
    cwd,
    env: { ...baseEnvironment(), LOG_LEVEL: 'info', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  accountCpu(child, ['worker']);
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'keel worker is ready') resolve();
      } catch {
        stderr.push(line);
      }
    });
    void exited.then((code) =>
      reject(new Error(`keel worker exited with ${code} before it was ready: ${stderr.join('\n')}`)),
    );
  });
  return {
    child,
    logs,
    stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
