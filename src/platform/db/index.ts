// Storage: one Kysely handle over embedded PGlite or server PostgreSQL, one set of migrations for both.
// Modules receive `Database['db']` through their repositories; only composition roots open a database.
export {
  DATABASE_RETRY_AFTER_SECONDS,
  databaseUnavailable,
  isConnectionError,
  rethrowDatabaseError,
} from './connection-errors.ts';
export type { DataDirectoryLock } from './data-dir-lock.ts';
export { DataDirectoryLockedError, LOCK_FILE, lockDataDirectory } from './data-dir-lock.ts';
export type { Database, DatabaseEvents, DatabaseTarget } from './database.ts';
export { IN_MEMORY_DATA_DIR, openDatabase } from './database.ts';
export { isDataError, jsonParameter } from './json-parameter.ts';
export type { MigrationReport } from './migrate.ts';
export { migrateToLatest, migrationStatus, openMigratedDatabase, withStartupLock } from './migrate.ts';
export { createVectorSchema, vectorExtensionInstalled } from './migrations/0005-documents-and-retrieval.ts';
export { pgDriver } from './pg-driver.ts';
export { withSafeText } from './safe-text-dialect.ts';
// Every table type (one per file, decision 0153), listed once in tables/index.ts.
export type * from './tables/index.ts';
