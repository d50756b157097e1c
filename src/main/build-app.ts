import type { FastifyInstance } from 'fastify';
import { installAdminKeyGuard } from '../modules/auth/index.ts';
import {
  type AnyCapability,
  CapabilityInvoker,
  type Clock,
  registerCapabilityRoutes,
} from '../modules/capabilities/index.ts';
import type { ModelCatalog } from '../modules/gateway/index.ts';
import { type ReadinessCheck, registerHealthRoutes } from '../modules/health/index.ts';
import {
  type RequestLogStore,
  type RequestLogWriter,
  registerRequestRoutes,
} from '../modules/requests/index.ts';
import { createHttpServer, type HttpPlatform } from '../platform/http/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import { KEEL_DESCRIPTION, KEEL_VERSION } from './version.ts';

/** What the HTTP application needs, already built: tests pass in-memory adapters, `api.ts` real ones. */
export interface AppDependencies {
  readonly logger: Logger;
  readonly http: { readonly bodyLimitBytes: number; readonly corsOrigins: readonly string[] };
  readonly models: ModelCatalog;
  readonly capabilities: readonly AnyCapability[];
  readonly requestLog: { readonly store: RequestLogStore; readonly writer: RequestLogWriter };
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly clock: Clock;
  /** When set, every /v1 route requires `Authorization: Bearer <adminKey>`. */
  readonly adminKey?: string | undefined;
}

/** The app factory: every route of Keel on one Fastify instance, ready for `inject` or `listen`. */
export async function buildApp(dependencies: AppDependencies): Promise<HttpPlatform> {
  const platform = await createHttpServer({
    logger: dependencies.logger,
    bodyLimitBytes: dependencies.http.bodyLimitBytes,
    corsOrigins: dependencies.http.corsOrigins,
    version: KEEL_VERSION,
    description: KEEL_DESCRIPTION,
  });
  const { app, shutdownGate } = platform;
  const writer = dependencies.requestLog.writer;

  installAdminKeyGuard(app as unknown as FastifyInstance, dependencies.adminKey);
  registerHealthRoutes(app, { checks: dependencies.readinessChecks, shutdownGate, version: KEEL_VERSION });
  registerCapabilityRoutes(app, {
    capabilities: dependencies.capabilities,
    invoker: new CapabilityInvoker({
      models: dependencies.models,
      clock: dependencies.clock,
      record: (record) => writer.write(record),
    }),
  });
  registerRequestRoutes(app, { store: dependencies.requestLog.store, writer });
  await app.ready();
  return platform;
}
