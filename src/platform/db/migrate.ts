import type { Kysely } from 'kysely';
import { type MigrationResult, Migrator } from 'kysely/migration';
import { isConnectionError, rethrowDatabaseError } from './connection-errors.ts';
import type { Database } from './database.ts';
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
