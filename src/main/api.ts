import type { KeelConfig } from '../config/index.ts';
import { SqlAgentStore } from '../modules/agents/index.ts';
import { SqlEvalStore } from '../modules/evals/index.ts';
import { SqlFeedbackStore } from '../modules/feedback/index.ts';
import type { ReadinessCheck } from '../modules/health/index.ts';
import { RedisLimitStore } from '../modules/limits/index.ts';
import type { Database } from '../platform/db/index.ts';
import type { HttpPlatform } from '../platform/http/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { type AppDependencies, buildApp } from './build-app.ts';
import { systemClock, variantDependencies } from './builders.ts';
import { buildProcessServices } from './process-services.ts';
import { buildInScope } from './resource-scope.ts';
import { listenWhileWaiting, openWhenReachable, type WaitingServer } from './startup-wait.ts';
import { KEEL_VERSION } from './version.ts';

export interface ApiDependencies extends AppDependencies {
  readonly database: Database;
  close(): Promise<void>;
}

/**
 * What `keel serve` builds, top to bottom, each resource owned by the scope as it is opened: `close()`
 * closes them in reverse, and a step that throws (an outage the caller waits out, a bad setting) first
 * closes everything opened before it. The app itself (routes, hooks, the job system) is `buildApp`'s.
 */
export function createApiDependencies(config: KeelConfig, logger: Logger): Promise<ApiDependencies> {
  return buildInScope(async (scope) => {
    const {
      database,
      jobs,
      telemetry,
      keys,
      limitStore,
      gateway,
      guardrails,
      requestLog,
      documents,
      conversations,
      capabilities,
      mcpSources,
    } = await buildProcessServices(scope, config, logger, 'api');

    // `/readyz`: the database, the models, retrieval's modes, and Redis when the limits live there.
    const readinessChecks: ReadinessCheck[] = [
      {
        name: 'database',
        critical: true,
        check: async () => {
          await database.ping();
          return { engine: database.engine, vector: database.vector };
        },
      },
      gateway.models.readinessCheck(),
      documents.readiness,
    ];
    if (limitStore instanceof RedisLimitStore) {
      const redis = limitStore;
      readinessChecks.push({
        name: 'redis',
        critical: true,
        check: async () => {
          await redis.ping();
          return { purpose: 'limits' };
        },
      });
    }

    return {
      logger,
      http: { bodyLimitBytes: config.server.bodyLimitBytes, corsOrigins: config.server.corsOrigins },
      models: gateway.models,
      modelCalls: gateway.modelCalls,
      capabilities,
      guardrails,
      capabilityCalls: config.capabilityCalls,
      requestLog,
      readinessChecks,
      clock: systemClock,
      adminKey: config.auth.adminKey,
      keys,
      limits: {
        store: limitStore,
        maxEventLoopDelayMs: config.limits.maxEventLoopDelayMs,
        authFailuresPerMinute: config.limits.authFailuresPerMinute,
      },
      telemetry,
      documents,
      jobs,
      conversations,
      agents: { store: new SqlAgentStore(database.db), tools: config.tools, mcpSources },
      evals: {
        store: new SqlEvalStore(database.db),
        feedback: new SqlFeedbackStore(database.db),
        prices: config.models.gateway.prices,
      },
      variants: variantDependencies(scope, config, database, 'api', logger),
      database,
      close: () => scope.close(),
    };
  });
}

export interface RunningApi {
  readonly url: string;
  readonly platform: HttpPlatform;
  /** Drains and stops: new requests get 503, in-flight ones finish, then storage closes. */
  shutdown(reason: string): Promise<void>;
}

/** Composition root of `keel serve`: its dependencies, the app, the listener, and graceful shutdown. */
export async function startApi(config: KeelConfig, logger: Logger): Promise<RunningApi> {
  // Started during a database outage, it listens at once (healthz 200, readyz and routes 503) and waits.
  let waiting: WaitingServer | undefined;
  const dependencies = await openWhenReachable(() => createApiDependencies(config, logger), {
    logger,
    what: 'keel serve',
    onWaiting: async () => {
      waiting = await listenWhileWaiting({
        host: config.server.host,
        port: config.server.port,
        version: KEEL_VERSION,
      });
      logger.warn({ url: waiting.url }, 'keel is waiting for its dependencies (readyz answers 503)');
    },
  });
  let platform: HttpPlatform;
  try {
    platform = await buildApp(dependencies);
    // The port the waiting listener had (it may have been chosen by the system) stays this process's.
    const port = waiting?.port ?? config.server.port;
    await waiting?.close();
    await platform.app.listen({ host: config.server.host, port });
  } catch (error) {
    await waiting?.close();
    await dependencies.close();
    throw error;
  }
  const address = platform.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  const auth = config.auth.adminKey ? 'api-keys' : 'open-locally';
  logger.info(
    {
      url,
      docs: `${url}/docs`,
      storage: dependencies.database.engine,
      auth,
      limits: config.redisUrl ? 'redis' : 'in-process',
    },
    'keel is ready',
  );
  if (!config.auth.adminKey)
    logger.warn(
      { host: config.server.host },
      'auth is open locally: no KEEL_ADMIN_KEY is set, so requests without a key act as the local administrator; Keel refuses to bind beyond loopback in this mode',
    );

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= drain(platform, dependencies, config.server.shutdownTimeoutMs, logger, reason);
    return stopping;
  };
  return { url, platform, shutdown };
}

/** How long streams get, once the shutdown deadline is reached, to write their last event. */
const STREAM_FAREWELL_MS = 250;

async function drain(
  platform: HttpPlatform,
  dependencies: ApiDependencies,
  timeoutMs: number,
  logger: Logger,
  reason: string,
): Promise<void> {
  logger.info({ reason, timeoutMs }, 'shutting down: draining in-flight requests');
  platform.shutdownGate.startDraining();
  const timer = setTimeout(() => {
    logger.warn(
      { timeoutMs },
      'in-flight requests still running at the shutdown deadline; ending streams, then closing connections',
    );
    // Streams write their final `error` event first; what is still open a moment later is cut, upgraded
    // sockets (WebSockets, upgrade requests never answered) included, so no socket outlives the deadline.
    platform.shutdownGate.reachDeadline();
    setTimeout(() => platform.shutdownGate.closeAllConnections(), STREAM_FAREWELL_MS).unref();
  }, timeoutMs);
  timer.unref();
  try {
    await platform.app.close();
  } finally {
    clearTimeout(timer);
    await dependencies.close();
    logger.info('stopped');
  }
}
