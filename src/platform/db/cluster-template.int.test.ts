import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterTemplates, defaultCacheDirectory, schemaTemplate } from './cluster-template.ts';
import { DataDirectoryLockedError, LOCK_FILE } from './data-dir-lock.ts';
import { IN_MEMORY_DATA_DIR, openDatabase } from './database.ts';
import { migrateToLatest, migrationStatus, openMigratedDatabase } from './migrate.ts';
import { migrations } from './migrations/index.ts';

/**
 * The initdb'd cluster kept as a template (decision 0155): used when whole and trusted, never otherwise.
 * Only the first test opens databases (one initdb, then clusters loaded from the template); the others
 * exercise the template store on files written by hand, since a template it refuses is the same as none.
 */
describe('cluster templates', { timeout: 180_000 }, () => {
  let cacheDir: string;
  let scratch: string;
  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'keel-cache-'));
    scratch = await mkdtemp(path.join(tmpdir(), 'keel-data-'));
  });
  afterEach(async () => {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  const templateFiles = async () =>
    (await readdir(path.join(cacheDir, 'pglite'))).map((name) => path.join(cacheDir, 'pglite', name));

  /**
   * Opens a new database, migrates it, writes and reads a row: a cluster that works, whatever made it.
   * Returns the cluster's system identifier, which initdb draws at random: equal identifiers are one cluster.
   */
  const usable = async (dataDir: string) => {
    const database = await openDatabase({ kind: 'embedded', dataDir, cacheDir });
    try {
      const identity = await sql<{ id: string }>`
        select system_identifier::text as id from pg_control_system()`.execute(database.db);
      await migrateToLatest(database.db);
      await sql`create table probe (value text)`.execute(database.db);
      await sql`insert into probe values ('kept')`.execute(database.db);
      const rows = await sql<{ value: string }>`select value from probe`.execute(database.db);
      expect(rows.rows).toEqual([{ value: 'kept' }]);
      const vector = await sql<{ present: boolean }>`
        select exists (select 1 from pg_extension where extname = 'vector') as present`.execute(database.db);
      expect(vector.rows[0]?.present).toBe(true);
      return identity.rows[0]?.id;
    } finally {
      await database.close();
    }
  };

  it('keeps the first cluster initdb makes, without its lock, and new databases on disk and in memory start from it', async () => {
    // The first cluster is made in a directory on disk, beside that directory's lock file.
    const first = await usable(path.join(scratch, 'first'));
    const [file, ...others] = await templateFiles();
    expect(others).toEqual([]);
    const kept = await readFile(file ?? '');

    const second = path.join(scratch, 'second');
    const database = await openDatabase({ kind: 'embedded', dataDir: second, cacheDir });
    try {
      const identity = await sql<{ id: string }>`
        select system_identifier::text as id from pg_control_system()`.execute(database.db);
      expect(identity.rows[0]?.id).toBe(first);
      const again = await openDatabase({ kind: 'embedded', dataDir: second, cacheDir }).then(
        (opened) => opened.close().then(() => undefined),
        (error: unknown) => error,
      );
      expect(again).toBeInstanceOf(DataDirectoryLockedError);
    } finally {
      await database.close();
    }
    // The lock was this opener's own: a lock copied from the first directory would not be released as its own.
    expect(existsSync(path.join(second, LOCK_FILE))).toBe(false);

    expect(await usable(IN_MEMORY_DATA_DIR)).toBe(first);
    // The template is initdb's cluster only: nothing a database did afterwards went into it.
    expect((await readFile(file ?? '')).equals(kept)).toBe(true);
    // A directory made from it reopens as any data directory does, with its rows.
    const third = path.join(scratch, 'third');
    expect(await usable(third)).toBe(first);
    const reopened = await openDatabase({ kind: 'embedded', dataDir: third, cacheDir });
    try {
      const rows = await sql<{ value: string }>`select value from probe`.execute(reopened.db);
      expect(rows.rows).toEqual([{ value: 'kept' }]);
    } finally {
      await reopened.close();
    }

    // A migrating opener keeps the cluster at the latest schema, before anything is written to it, and the
    // next new database loads that instead of migrating (decision 0175); the initdb template stays as it was.
    const migrated = await openMigratedDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR, cacheDir });
    try {
      expect(migrated.report.fromTemplate).toBe(false);
      expect(migrated.report.applied).toEqual(Object.keys(migrations));
      await sql`create table probe (value text)`.execute(migrated.database.db);
    } finally {
      await migrated.database.close();
    }
    expect((await templateFiles()).map((name) => path.basename(name)).sort()).toEqual([
      expect.stringMatching(/^cluster-.*-schema-[0-9a-f]{16}\.tar$/),
      path.basename(file ?? ''),
    ]);
    expect((await readFile(file ?? '')).equals(kept)).toBe(true);
    const onDisk = path.join(scratch, 'fourth');
    const loaded = await openMigratedDatabase({ kind: 'embedded', dataDir: onDisk, cacheDir });
    try {
      expect(loaded.report).toEqual({ applied: Object.keys(migrations), pending: [], fromTemplate: true });
      expect(await migrationStatus(loaded.database.db)).toEqual({
        applied: Object.keys(migrations),
        pending: [],
      });
      const tables = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_name = 'probe'`.execute(
        loaded.database.db,
      );
      expect(tables.rows).toEqual([]);
      const identity = await sql<{ id: string }>`
        select system_identifier::text as id from pg_control_system()`.execute(loaded.database.db);
      expect(identity.rows[0]?.id).toBe(first);
    } finally {
      await loaded.database.close();
    }
    // Reopened, it is an ordinary data directory: nothing pending, nothing loaded.
    const again = await openMigratedDatabase({ kind: 'embedded', dataDir: onDisk, cacheDir });
    await again.database.close();
    expect(again.report).toEqual({ applied: [], pending: [], fromTemplate: false });
  });

  it('keeps one schema template: keeping another schema deletes the old one, never the initdb template', async () => {
    const tarball = archive('/PG_VERSION', '17\n');
    await clusterTemplates(cacheDir).keep(standIn(tarball));
    await clusterTemplates(cacheDir).keep(standIn(tarball), schemaTemplate('a'.repeat(64)));
    await clusterTemplates(cacheDir).keep(standIn(tarball), schemaTemplate('b'.repeat(64)));
    const names = (await templateFiles()).map((name) => path.basename(name)).sort();
    expect(names).toHaveLength(2);
    expect(names.some((name) => name.endsWith(`-schema-${'b'.repeat(16)}.tar`))).toBe(true);
    expect(await clusterTemplates(cacheDir).read(schemaTemplate('a'.repeat(64)))).toBeUndefined();
    expect(await clusterTemplates(cacheDir).read(schemaTemplate('b'.repeat(64)))).toBeInstanceOf(Blob);
    expect(await clusterTemplates(cacheDir).read()).toBeInstanceOf(Blob);
    expect(() => schemaTemplate('../../etc')).toThrow();
  });

  /** Keeps `tarball` as the template through the store itself; returns its file. */
  const writeTemplate = async (tarball: Buffer) => {
    await clusterTemplates(cacheDir).keep(standIn(tarball));
    const [file, ...others] = await templateFiles();
    expect(others).toEqual([]);
    return file ?? '';
  };

  /** What `keep` needs of a PGlite instance: its dump. */
  const standIn = (tarball: Buffer) =>
    ({ dumpDataDir: async () => new Blob([new Uint8Array(tarball)]) }) as unknown as PGlite;

  /** A one-file ustar archive, as PGlite writes them (name, octal size, the bytes padded to 512, two zero blocks). */
  const archive = (name: string, content: string) => {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'latin1');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    body.write(content, 0, 'latin1');
    return Buffer.concat([header, body, Buffer.alloc(1024)]);
  };

  it('reads back what it kept, leaving the lock file out', async () => {
    const withLock = Buffer.concat([
      archive('/PG_VERSION', '17\n').subarray(0, 1024),
      archive('/keel.lock', '{"pid":1}').subarray(0, 1024),
      Buffer.alloc(1024),
    ]);
    await clusterTemplates(cacheDir).keep(standIn(withLock));
    const read = await clusterTemplates(cacheDir).read();
    const bytes = Buffer.from(await (read as Blob).arrayBuffer());
    expect(bytes.toString('latin1')).toContain('/PG_VERSION');
    expect(bytes.toString('latin1')).not.toContain('keel.lock');
  });

  it('deletes a damaged template and offers none', async () => {
    const file = await writeTemplate(archive('/PG_VERSION', '17\n'));
    expect(await clusterTemplates(cacheDir).read()).toBeInstanceOf(Blob);
    const bytes = await readFile(file);
    bytes[bytes.length - 600] = (bytes[bytes.length - 600] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    expect(await clusterTemplates(cacheDir).read()).toBeUndefined();
    expect(existsSync(file)).toBe(false);
    // Cut short: the same.
    await writeFile(file, bytes.subarray(0, 40));
    expect(await clusterTemplates(cacheDir).read()).toBeUndefined();
  });

  it('trusts no template in a directory others can write to, and keeps none there', async () => {
    const file = await writeTemplate(archive('/PG_VERSION', '17\n'));
    await chmod(path.join(cacheDir, 'pglite'), 0o777);
    expect(await clusterTemplates(cacheDir).read()).toBeUndefined();
    await rm(file);
    await clusterTemplates(cacheDir).keep(standIn(archive('/PG_VERSION', '17\n')));
    expect(await templateFiles()).toEqual([]);
  });

  it('lives in the user cache directory unless told otherwise', () => {
    expect(defaultCacheDirectory({ XDG_CACHE_HOME: '/var/cache/alice' })).toBe('/var/cache/alice/keel');
    expect(defaultCacheDirectory({ HOME: '/home/bob' })).toBe('/home/bob/.cache/keel');
  });
});
