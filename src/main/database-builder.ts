import type { KeelConfig } from '../config/index.ts';
import { type Database, migrateToLatest, openDatabase } from '../platform/db/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import type { ResourceScope } from './resource-scope.ts';

// Apart from the other builders: every composition root opens the database, the CLI commands too, and they
// need nothing else of the rest.

/**
 * Opens the database for a configuration (logging the slow first initialisation of the embedded one), owned
 * by the scope. Migrations are the caller's: `keel migrate status` must not apply them.
 */
export async function buildDatabase(
  scope: ResourceScope,
  config: KeelConfig,
  logger: Logger,
): Promise<Database> {
  return scope.open(
    'the database',
    async () => {
      const database = await openDatabase(config.storage, {
        initialising: (dataDir) =>
          logger.info(
            { dataDir },
            'initialising the embedded database (first start only, takes a few seconds)',
          ),
        connectionLost: (error) =>
          logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
      });
      logger.info({ engine: database.engine, vector: database.vector }, 'database open');
      return database;
    },
    (database) => database.close(),
  );
}

/** Applies pending migrations at start, logging those applied. */
export async function migrateAtStart(database: Database, logger: Logger): Promise<void> {
  const report = await migrateToLatest(database.db);
  if (report.applied.length > 0) logger.info({ migrations: report.applied }, 'migrations applied');
}
