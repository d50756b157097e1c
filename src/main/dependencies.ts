import type { KeelConfig } from '../config/index.ts';
import { type AnyCapability, type Clock, generateCapability } from '../modules/capabilities/index.ts';
import { createModelCatalog } from '../modules/gateway/index.ts';
import type { ReadinessCheck } from '../modules/health/index.ts';
import { RequestLogWriter, SqlRequestLogStore } from '../modules/requests/index.ts';
import { type Database, migrateToLatest, openDatabase } from '../platform/db/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import type { AppDependencies } from './build-app.ts';

export interface Dependencies extends AppDependencies {
  readonly database: Database;
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };

/** Opens the database for a configuration, logging the slow first initialisation of the embedded one. */
export async function openConfiguredDatabase(config: KeelConfig, logger: Logger): Promise<Database> {
  const database = await openDatabase(config.storage, {
    initialising: (dataDir) =>
      logger.info({ dataDir }, 'initialising the embedded database (first start only, takes a few seconds)'),
  });
  logger.info({ engine: database.engine, vector: database.vector }, 'database open');
  return database;
}

/** The one place concrete adapters are chosen and wired, by hand, from the configuration. */
export async function createDependencies(config: KeelConfig, logger: Logger): Promise<Dependencies> {
  const database = await openConfiguredDatabase(config, logger);
  try {
    const report = await migrateToLatest(database.db);
    if (report.applied.length > 0) logger.info({ migrations: report.applied }, 'migrations applied');
  } catch (error) {
    await database.close();
    throw error;
  }

  const models = createModelCatalog(config.models.openai);
  const model = models.describe();
  if (!model.configured) {
    logger.warn(
      'no generative model configured: generate answers 503 MODEL_NOT_CONFIGURED until OPENAI_API_KEY or OPENAI_BASE_URL + KEEL_MODEL is set',
    );
  }

  const store = new SqlRequestLogStore(database.db);
  const writer = new RequestLogWriter(store, {
    onError: (error, records, dropped) =>
      logger.error(
        { err: error, records, dropped },
        dropped ? 'request log batch dropped' : 'request log write failed; will retry',
      ),
  });

  const capabilities: AnyCapability[] = [generateCapability, ...config.capabilities];
  const readinessChecks: ReadinessCheck[] = [
    {
      name: 'database',
      critical: true,
      check: async () => {
        await database.ping();
        return { engine: database.engine, vector: database.vector };
      },
    },
    {
      name: 'model',
      critical: false,
      check: async () => ({
        configured: model.configured,
        provider: model.provider ?? null,
        model: model.model ?? null,
      }),
    },
  ];

  return {
    logger,
    http: { bodyLimitBytes: config.server.bodyLimitBytes, corsOrigins: config.server.corsOrigins },
    models,
    capabilities,
    requestLog: { store, writer },
    readinessChecks,
    clock: systemClock,
    adminKey: config.auth.adminKey,
    database,
    async close() {
      await writer.close();
      await database.close();
    },
  };
}
