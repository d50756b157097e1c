import type { KeelConfig } from '../config/index.ts';
import {
  type Database,
  type DatabaseEvents,
  type MigrationReport,
  openDatabase,
  openMigratedDatabase,
} from '../platform/db/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import type { ResourceScope } from './resource-scope.ts';

// Apart from the other builders: every composition root opens the database, the CLI commands too, and they
// need nothing else of the rest.

/**
 * Opens the database for a configuration (logging the slow first initialisation of the embedded one), owned
 * by the scope, as it is: `keel migrate --status` must not apply migrations. What writes uses
 * `buildMigratedDatabase`.
 */
export async function buildDatabase(
  scope: ResourceScope,
  config: KeelConfig,
  logger: Logger,
): Promise<Database> {
  return scope.open(
    'the database',
    async () => {
      const database = await openDatabase(config.storage, databaseEvents(logger));
      logger.info({ engine: database.engine, vector: database.vector }, 'database open');
      return database;
    },
    (database) => database.close(),
  );
}

/**
 * Opens the database at the latest schema, owned by the scope, logging the migrations applied: a new
 * embedded database loads the cached cluster already at this schema when there is one (decision 0175).
 */
export async function buildMigratedDatabase(
  scope: ResourceScope,
  config: KeelConfig,
  logger: Logger,
): Promise<{ database: Database; report: MigrationReport }> {
  const { database, report } = await scope.open(
    'the database',
    () => openMigratedDatabase(config.storage, databaseEvents(logger)),
    (opened) => opened.database.close(),
  );
  logger.info({ engine: database.engine, vector: database.vector }, 'database open');
  if (report.applied.length > 0)
    logger.info({ migrations: report.applied, fromTemplate: report.fromTemplate }, 'migrations applied');
  return { database, report };
}

function databaseEvents(logger: Logger): DatabaseEvents {
  return {
    initialising: (dataDir) =>
      logger.info({ dataDir }, 'initialising the embedded database (first start only, takes a few seconds)'),
    connectionLost: (error) =>
      logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query'),
  };
}
