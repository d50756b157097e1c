import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { type MigrationResult, Migrator } from 'kysely/migration';
import { PGVECTOR_VERSION, schemaTemplate, type TemplateKind } from './cluster-template.ts';
import { isConnectionError, rethrowDatabaseError } from './connection-errors.ts';
import {
  type Database,
  type DatabaseEvents,
  type DatabaseTarget,
  openDatabaseFromTemplate,
} from './database.ts';
import { migrations } from './migrations/index.ts';
import type { KeelTables } from './tables/index.ts';

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

function createMigrator(db: Kysely<KeelTables>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'keel_migration',
    migrationLockTableName: 'keel_migration_lock',
  });
}

/**
 * Applies pending migrations, exactly once however many processes start at the same time (ADR 0100).
 * Kysely's migrator (0.29) holds a session-level `pg_advisory_lock` on one connection for the whole run
 * on PostgreSQL and PGlite, runs all pending migrations in one transaction, and reads the applied list
 * only once it holds the lock: a process that waited finds nothing left to do. Its lock-table row is
 * created idempotently before the lock. test/e2e/migrate-once.e2e.test.ts starts 4 processes at once
 * against an empty database to keep this true across Kysely upgrades.
 */
export async function migrateToLatest(db: Kysely<KeelTables>): Promise<MigrationReport> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  const applied = (results ?? []).filter((result) => result.status === 'Success').map(nameOf);
  if (error) {
    const failed = (results ?? []).find((result) => result.status === 'Error');
    throw new Error(`migration ${failed ? nameOf(failed) : '(unknown)'} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  return { applied, pending: [] };
}

/**
 * The schema every migration makes, named by a digest of the pgvector build and the migrations' source
 * files: a cluster kept at this schema (cluster-template.ts) is loaded only by code whose migrations made
 * it. The files, not the functions' text: a test runner's transform changes the latter, and two digests for
 * one schema would make the suite's processes replace each other's template.
 */
function latestSchema(): TemplateKind {
  const hash = createHash('sha256').update(PGVECTOR_VERSION);
  for (const [name, migration] of Object.entries(migrations)) {
    hash.update(`\0${name}\0`);
    try {
      hash.update(readFileSync(path.join(MIGRATIONS_DIRECTORY, `${name}.ts`)));
    } catch {
      // Not laid out as files (a bundle): the functions' text stands in.
      hash.update(`${String(migration.up)}\0${String(migration.down)}`);
    }
  }
  return schemaTemplate(hash.digest('hex'));
}

const MIGRATIONS_DIRECTORY = path.join(import.meta.dirname, 'migrations');
let latest: TemplateKind | undefined;

/**
 * Opens the database and brings it to the latest schema: what `keel serve`, `keel worker` and the commands
 * that write do first. A new embedded database loads a cluster already at this schema when the cache holds
 * one (decision 0175): its report then lists every migration as applied, `fromTemplate` true, and no
 * migration runs. Otherwise the pending migrations run, and a new embedded database is kept as that
 * template for the next one. On failure the database is closed before the error is thrown.
 */
export async function openMigratedDatabase(
  target: DatabaseTarget,
  events: DatabaseEvents = {},
): Promise<{ database: Database; report: MigrationReport & { readonly fromTemplate: boolean } }> {
  latest ??= target.kind === 'embedded' && target.cacheDir !== undefined ? latestSchema() : undefined;
  const opened = await openDatabaseFromTemplate(target, events, latest);
  try {
    if (opened.schemaLoaded)
      return {
        database: opened.database,
        report: { applied: Object.keys(migrations), pending: [], fromTemplate: true },
      };
    const report = await migrateToLatest(opened.database.db);
    await opened.keepSchema?.();
    return { database: opened.database, report: { ...report, fromTemplate: false } };
  } catch (error) {
    await opened.database.close().catch(() => {});
    throw error;
  }
}

export async function migrationStatus(db: Kysely<KeelTables>): Promise<MigrationReport> {
  const all = await createMigrator(db).getMigrations();
  return {
    applied: all.filter((migration) => migration.executedAt !== undefined).map((migration) => migration.name),
    pending: all.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name),
  };
}

function nameOf(result: MigrationResult): string {
  return result.migrationName;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keel's own advisory lock id for start-up installs outside the migrator (pg-boss's schema). */
const STARTUP_LOCK_ID = 7_305_046_139_021_584_113n;

/**
 * Runs `work` while holding a session-level advisory lock on PostgreSQL, so processes starting together
 * run it one after the other (ADR 0100). pg-boss installs its schema under an advisory lock taken
 * *inside* its transaction; a process that waited there plans with a catalog cache from before the wait
 * and fails on the schema the first one created ("duplicate key value violates unique constraint
 * pg_namespace_nspname_index", seen with 2 APIs and 2 workers starting at once). Waiting here instead,
 * before pg-boss looks at the database, makes the second process find everything installed. On PGlite
 * (one process) it just runs `work`.
 */
export async function withStartupLock<T>(
  database: Pick<Database, 'pool'>,
  work: () => Promise<T>,
): Promise<T> {
  const pool = database.pool;
  if (!pool) return work();
  const client = await pool.connect().catch(rethrowDatabaseError);
  let broken = false;
  const query = (text: string) =>
    client.query(text, [STARTUP_LOCK_ID.toString()]).catch((error: unknown) => {
      broken = isConnectionError(error);
      return rethrowDatabaseError(error);
    });
  try {
    await query('select pg_advisory_lock($1)');
    try {
      return await work();
    } finally {
      // A lost connection took its session lock with it; nothing is left to unlock.
      if (!broken) await query('select pg_advisory_unlock($1)');
    }
  } finally {
    client.release(broken);
  }
}
