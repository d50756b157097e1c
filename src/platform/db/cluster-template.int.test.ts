import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterTemplates, defaultCacheDirectory } from './cluster-template.ts';
import { DataDirectoryLockedError, LOCK_FILE } from './data-dir-lock.ts';
import { IN_MEMORY_DATA_DIR, openDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';

/** The initdb'd cluster kept as a template (decision 0155): used when whole and trusted, never otherwise. */
/** Each test opens several new databases; on a loaded machine each can take many seconds. */
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

  const templateFile = async () => {
    const names = await readdir(path.join(cacheDir, 'pglite'));
    expect(names.filter((name) => name.endsWith('.tar'))).toHaveLength(1);
    return path.join(cacheDir, 'pglite', names.find((name) => name.endsWith('.tar')) ?? '');
  };

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

  it('keeps the first cluster initdb makes, and later databases, on disk and in memory, start from it', async () => {
    const first = await usable(IN_MEMORY_DATA_DIR);
    const file = await templateFile();
    const kept = await readFile(file);
    expect(await usable(path.join(scratch, 'a'))).toBe(first);
    expect(await usable(IN_MEMORY_DATA_DIR)).toBe(first);
    // The template is initdb's cluster only: nothing a database did afterwards went into it.
    expect((await readFile(file)).equals(kept)).toBe(true);
    // A directory made from it reopens as any data directory does, with its rows.
    const reopened = await openDatabase({ kind: 'embedded', dataDir: path.join(scratch, 'a'), cacheDir });
    try {
      const rows = await sql<{ value: string }>`select value from probe`.execute(reopened.db);
      expect(rows.rows).toEqual([{ value: 'kept' }]);
    } finally {
      await reopened.close();
    }
  });

  it('never carries a data directory lock into the next directory', async () => {
    // The first cluster is made in a directory on disk, beside that directory's lock file.
    const first = await usable(path.join(scratch, 'first'));
    const secondDir = path.join(scratch, 'second');
    const second = await openDatabase({ kind: 'embedded', dataDir: secondDir, cacheDir });
    try {
      const identity = await sql<{ id: string }>`
        select system_identifier::text as id from pg_control_system()`.execute(second.db);
      expect(identity.rows[0]?.id).toBe(first);
      const again = await openDatabase({ kind: 'embedded', dataDir: secondDir, cacheDir }).then(
        (database) => database.close().then(() => undefined),
        (error: unknown) => error,
      );
      expect(again).toBeInstanceOf(DataDirectoryLockedError);
    } finally {
      await second.close();
    }
    // The lock was this opener's own (a copied one would not be released as its own).
    expect(existsSync(path.join(secondDir, LOCK_FILE))).toBe(false);
  });

  it('deletes a damaged template and runs initdb instead', async () => {
    const first = await usable(IN_MEMORY_DATA_DIR);
    const file = await templateFile();
    const bytes = await readFile(file);
    bytes[bytes.length - 4_000] = (bytes[bytes.length - 4_000] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    expect(await clusterTemplates(cacheDir).read()).toBeUndefined();
    expect(await usable(path.join(scratch, 'b'))).not.toBe(first);
    // The damaged file went; the database that found it kept a whole one again.
    expect((await readFile(await templateFile())).equals(bytes)).toBe(false);
    expect(await clusterTemplates(cacheDir).read()).toBeInstanceOf(Blob);
  });

  it('trusts no template in a directory others can write to, and keeps none there', async () => {
    const first = await usable(IN_MEMORY_DATA_DIR);
    await chmod(path.join(cacheDir, 'pglite'), 0o777);
    expect(await clusterTemplates(cacheDir).read()).toBeUndefined();
    expect(await usable(IN_MEMORY_DATA_DIR)).not.toBe(first);
    await rm(await templateFile());
    await usable(IN_MEMORY_DATA_DIR);
    expect(await readdir(path.join(cacheDir, 'pglite'))).toEqual([]);
  });

  it('lives in the user cache directory unless told otherwise', () => {
    expect(defaultCacheDirectory({ XDG_CACHE_HOME: '/var/cache/alice' })).toBe('/var/cache/alice/keel');
    expect(defaultCacheDirectory({})).toMatch(/\/\.cache\/keel$/);
  });
});
