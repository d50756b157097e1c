import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { LOCK_FILE } from './data-dir-lock.ts';

/**
 * PGlite clusters kept as tarballs, so the next new embedded database (a new data directory, or every
 * `memory://` start) loads one instead of making it again (decisions 0155 and 0175). Two kinds:
 * - `initdb`: what initdb made and nothing else (no extension, no migration, no data); initdb is about 7 s
 *   of CPU on this 2-core machine. Whoever opens a database without migrating it (`keel migrate --status`)
 *   starts from this one, exactly as from a cluster initdb just made.
 * - a schema template (`schemaTemplate(digest)`): that cluster after `create extension vector` and every
 *   migration, still without data; the pgvector extension and the migrations are another 1.7 s of CPU on
 *   every new database. Keyed by a digest of the migrations' code, so a changed migration never loads a
 *   schema it did not make; keeping one deletes the schema templates of other digests.
 * Both are keyed by the PGlite version, since a cluster belongs to the PostgreSQL build that made it.
 *
 * A template is trusted only when:
 * - it sits in a directory owned by this user and writable by nobody else (a planted cluster could
 *   carry rows, say an API key);
 * - its SHA-256 matches the digest written at its head (a damaged file is deleted and initdb runs).
 */
export interface ClusterTemplates {
  /** The template of that kind for this PGlite version, or undefined when there is none (or none trusted). */
  read(kind?: TemplateKind): Promise<Blob | undefined>;
  /**
   * Keeps `pglite`'s cluster as the template of that kind: for `initdb`, one initdb has just made; for a
   * schema template, one just brought to that schema with nothing else written. Never throws.
   */
  keep(pglite: PGlite, kind?: TemplateKind): Promise<void>;
}

/** `initdb`, or `schema-<digest>` from `schemaTemplate`. */
export type TemplateKind = 'initdb' | `schema-${string}`;

/** The template kind of a cluster brought to the schema `digest` names (16 hex digits or more). */
export function schemaTemplate(digest: string): TemplateKind {
  if (!/^[0-9a-f]{16,}$/.test(digest)) throw new Error(`not a schema digest: ${digest}`);
  return `schema-${digest.slice(0, 16)}`;
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let directory = path.dirname(require.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // not this directory
    }
    const parent = path.dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}

const PGLITE_VERSION = packageVersion('@electric-sql/pglite');
/** The pgvector build a schema template has installed: part of every schema digest. */
export const PGVECTOR_VERSION = packageVersion('@electric-sql/pglite-pgvector');

/** Where templates are kept when `KEEL_CACHE_DIR` is unset: the user's cache directory. */
export function defaultCacheDirectory(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const base = environment.XDG_CACHE_HOME || path.join(environment.HOME || homedir(), '.cache');
  return path.join(base, 'keel');
}

export function clusterTemplates(cacheDirectory: string): ClusterTemplates {
  const directory = path.join(cacheDirectory, 'pglite');
  // One file per kind: the SHA-256 of the tarball (64 hex digits and a newline), then the tarball.
  const fileOf = (kind: TemplateKind) =>
    path.join(
      directory,
      kind === 'initdb' ? `cluster-${PGLITE_VERSION}.tar` : `cluster-${PGLITE_VERSION}-${kind}.tar`,
    );
  const HEADER = 65;

  const trustedDirectory = async (): Promise<boolean> => {
    try {
      const stats = await lstat(directory);
      const ownedHere = process.getuid === undefined || stats.uid === process.getuid();
      return stats.isDirectory() && ownedHere && (stats.mode & 0o022) === 0;
    } catch {
      return false;
    }
  };

  // Migrations change during development: a template of another schema is never read again.
  const removeOtherSchemaTemplates = async (kept: string) => {
    const prefix = `cluster-${PGLITE_VERSION}-schema-`;
    for (const name of await readdir(directory))
      if (name.startsWith(prefix) && name.endsWith('.tar') && name !== kept)
        await unlink(path.join(directory, name)).catch(() => {});
  };

  return {
    async read(kind = 'initdb') {
      if (!(await trustedDirectory())) return undefined;
      const file = fileOf(kind);
      let stored: Buffer;
      try {
        stored = await readFile(file);
      } catch {
        return undefined;
      }
      const tarball = stored.subarray(HEADER);
      const digest = stored.subarray(0, HEADER - 1).toString('latin1');
      if (stored.length <= HEADER || createHash('sha256').update(tarball).digest('hex') !== digest) {
        await unlink(file).catch(() => {});
        return undefined;
      }
      // `keep` left the lock file out; the Blob copies the bytes once more, so no copy of our own here.
      return new Blob([tarball as Uint8Array<ArrayBuffer>]);
    },
    async keep(pglite, kind = 'initdb') {
      try {
        await mkdir(directory, { recursive: true, mode: 0o700 });
        if (!(await trustedDirectory())) return;
        const file = fileOf(kind);
        const tarball = withoutTopLevelFile(
          Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()),
          LOCK_FILE,
        );
        const digest = createHash('sha256').update(tarball).digest('hex');
        // Written under a name of its own, then renamed: a reader sees a whole file or none, and two
        // processes keeping a template at once leave one of the two whole.
        const partial = `${file}.${randomUUID()}.partial`;
        await writeFile(partial, Buffer.concat([Buffer.from(`${digest}\n`, 'latin1'), tarball]), {
          mode: 0o600,
        });
        await rename(partial, file);
        if (kind !== 'initdb') await removeOtherSchemaTemplates(path.basename(file));
      } catch {
        // A cache: a start without one only costs time.
      }
    },
  };
}

const BLOCK = 512;

/**
 * The tarball without one file at its top level. A data directory on disk also holds Keel's lock file,
 * which PGlite's dump takes along: loaded into the next new directory, it would overwrite that directory's
 * own lock with a stale one. The archive is ustar (PGlite writes it): 512-byte headers, each followed by
 * its file's bytes padded to 512, then zero blocks.
 */
export function withoutTopLevelFile(tarball: Buffer, name: string): Buffer {
  const kept: Buffer[] = [];
  let offset = 0;
  while (offset + BLOCK <= tarball.length) {
    const header = tarball.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const entry = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const end = offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const parts = entry.split('/').filter(Boolean);
    // Entries are named from the data directory's root ("/PG_VERSION"), or under one folder of its name.
    if (!(parts.length <= 2 && parts.at(-1) === name)) kept.push(tarball.subarray(offset, end));
    offset = end;
  }
  kept.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(kept);
}
