import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { DataDirectoryLockedError, LOCK_FILE, lockDataDirectory } from './data-dir-lock.ts';
import { openDatabase } from './database.ts';

/**
 * One embedded data directory, one owner: a second opener (in this process or another) fails at once
 * with a message naming the owner's pid and what to do instead; a lock left by a dead process is taken
 * over; closing releases it.
 */

/** Creating a PGlite data directory takes a while on a loaded machine; nothing here is timed. */
const PGLITE_MS = 180_000;

let dataDir = '';
beforeEach(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'keel-lock-')), 'data');
});
afterEach(async () => {
  await rm(path.dirname(dataDir), { recursive: true, force: true });
});

const lockFile = () => path.join(dataDir, LOCK_FILE);
const owner = async () => JSON.parse(await readFile(lockFile(), 'utf8')) as { pid: number; host: string };

/** The pid of a process that has exited (so is not running). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

/** Tries to take the lock from another process; resolves with its exit code and what it printed. */
async function lockFromAnotherProcess(): Promise<{ code: number | null; stderr: string }> {
  const module = path.resolve(import.meta.dirname, 'data-dir-lock.ts');
  const child = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    `import(${JSON.stringify(module)}).then((m) => m.lockDataDirectory(${JSON.stringify(dataDir)})).then(() => process.exit(0), (e) => { process.stderr.write(e.message); process.exit(3); });`,
  ]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('the embedded data directory lock', () => {
  it('refuses a second open of the same directory, naming the owner and the way out', {
    timeout: PGLITE_MS,
  }, async () => {
    const first = await openDatabase(embeddedTarget(dataDir));
    try {
      const second = await openDatabase(embeddedTarget(dataDir)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(second).toBeInstanceOf(DataDirectoryLockedError);
      expect((second as DataDirectoryLockedError).ownerPid).toBe(process.pid);
      expect((second as Error).message).toContain(`pid ${process.pid}`);
      expect((second as Error).message).toContain('use the running server over HTTP');
      // The first handle is unharmed.
      await first.ping();
    } finally {
      await first.close();
    }
  });

  it('refuses another process while the directory is open here', { timeout: PGLITE_MS }, async () => {
    const database = await openDatabase(embeddedTarget(dataDir));
    try {
      const other = await lockFromAnotherProcess();
      expect(other.code).toBe(3);
      expect(other.stderr).toContain(`in use by another Keel process (pid ${process.pid}`);
    } finally {
      await database.close();
    }
    // Released: the other process gets it now.
    expect((await lockFromAnotherProcess()).code).toBe(0);
  });

  it('releases the lock on close, so the directory opens again', { timeout: PGLITE_MS }, async () => {
    const first = await openDatabase(embeddedTarget(dataDir));
    expect((await owner()).pid).toBe(process.pid);
    await first.close();
    expect(existsSync(lockFile())).toBe(false);
    const again = await openDatabase(embeddedTarget(dataDir));
    await again.ping();
    await again.close();
  });

  it.each([
    [
      'a dead pid (a crash, kill -9)',
      async () => ({ pid: await deadPid(), host: (await import('node:os')).hostname() }),
    ],
    [
      'our own pid from an earlier process (pid 1 after a container restart)',
      async () => ({ pid: process.pid, host: (await import('node:os')).hostname() }),
    ],
    ['a torn lock file', async () => 'not json'],
  ])('takes over a stale lock: %s', async (_name, makeOwner) => {
    const stale = await makeOwner();
    await rm(dataDir, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(dataDir, { recursive: true });
    await writeFile(
      lockFile(),
      typeof stale === 'string' ? stale : JSON.stringify({ ...stale, since: 'earlier' }),
    );
    const lock = await lockDataDirectory(dataDir);
    expect(await owner()).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it('counts a lock from another host as live (it cannot be checked from here)', async () => {
    await (await import('node:fs/promises')).mkdir(dataDir, { recursive: true });
    await writeFile(
      lockFile(),
      JSON.stringify({ pid: await deadPid(), host: 'another-host.example', since: 'x' }),
    );
    await expect(lockDataDirectory(dataDir)).rejects.toThrow(/another-host\.example/);
  });

  it('never removes a lock it does not hold', async () => {
    const lock = await lockDataDirectory(dataDir);
    // Someone else's lock replaced ours (say an operator removed ours and another process started).
    await writeFile(
      lockFile(),
      JSON.stringify({ pid: 1, host: 'another-host.example', since: 'x', token: 'theirs' }),
    );
    await lock.release();
    expect((await owner()).host).toBe('another-host.example');
  });
});
