import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** The file in an embedded data directory that names the process owning it. */
export const LOCK_FILE = 'keel.lock';

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
  /** Tells this lock from a later one in the same file, so a release never removes someone else's. */
  readonly token: string;
}

/** Thrown when another live process owns the data directory. */
export class DataDirectoryLockedError extends Error {
  readonly ownerPid: number;
  constructor(dataDir: string, owner: LockRecord) {
    super(
      `the embedded database in ${dataDir} is in use by another Keel process (pid ${owner.pid} on ${owner.host}, since ${owner.since}). ` +
        'One embedded data directory has one owner: use the running server over HTTP instead ' +
        '(keys: /v1/admin/keys, jobs: /v1/jobs, with KEEL_ADMIN_KEY when one is set; see docs/security.md), ' +
        `or stop pid ${owner.pid} first.`,
    );
    this.name = 'DataDirectoryLockedError';
    this.ownerPid = owner.pid;
  }
}

export interface DataDirectoryLock {
  release(): Promise<void>;
}

/** Lock files this process holds: opening the same directory twice in one process is refused too. */
const heldHere = new Set<string>();

/**
 * Takes the data directory for this process, before PGlite opens it: two processes on one PGlite
 * directory corrupt it (the second one dies with a bare WebAssembly `Aborted()`). The lock is a file
 * created exclusively, holding the owner's pid; a lock whose pid is no longer running on this host (a
 * crash, `kill -9`) is stale and taken over. Fails at once, naming the owner, when it is held.
 */
export async function lockDataDirectory(dataDir: string): Promise<DataDirectoryLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.resolve(dataDir, LOCK_FILE);
  const record: LockRecord = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  // Two attempts: the second after removing a stale lock (another process may win that race; then its
  // lock is live and this one fails).
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createExclusively(file, record)) {
      heldHere.add(file);
      return { release: () => release(file, record.token) };
    }
    const owner = await readOwner(file);
    if (owner !== undefined && isLive(file, owner)) throw new DataDirectoryLockedError(dataDir, owner);
    await unlink(file).catch(ignoreMissing);
  }
  const owner = await readOwner(file);
  throw new DataDirectoryLockedError(dataDir, owner ?? { ...record, pid: -1, host: 'unknown' });
}

async function createExclusively(file: string, record: LockRecord): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The lock's owner; undefined for a file that is not a lock record (a torn write: treated as stale). */
async function readOwner(file: string): Promise<LockRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      since: String(parsed.since ?? 'unknown'),
      token: String(parsed.token ?? ''),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether the owner may still be running. On another host it cannot be checked, so it counts as live.
 * Our own pid counts only if this process took the lock: otherwise the file is from an earlier process
 * that had the same pid (a container's pid 1 after a restart).
 */
function isLive(file: string, owner: LockRecord): boolean {
  if (owner.host !== hostname()) return true;
  // A worker thread cannot see the main thread's locks: our pid there counts as live.
  if (owner.pid === process.pid) return heldHere.has(file) || !isMainThread;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function release(file: string, token: string): Promise<void> {
  heldHere.delete(file);
  const owner = await readOwner(file);
  if (owner?.token === token) await unlink(file).catch(ignoreMissing);
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
