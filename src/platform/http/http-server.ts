import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, platformErrors } from '../errors/index.ts';
import type { Logger } from '../logging/index.ts';
import { registerApiReference } from './api-reference.ts';
import { handleError, sendProblem } from './error-handler.ts';
import { installJsonBodyParser } from './json-body.ts';
import { installLoopbackGuard } from './loopback-guard.ts';
import { annotateScopes } from './openapi-scopes.ts';
import { tidyComponents } from './openapi-tidy.ts';
import { closeRefusedUpgrades } from './refused-upgrades.ts';
import { installRequestContext } from './request-context.ts';
import { requestIdFor } from './request-id.ts';
import { PUBLIC_SCOPE } from './route-scope.ts';
import { securityHeaders } from './security-headers.ts';
import { installShutdownGate, type ShutdownGate } from './shutdown-gate.ts';
import { DEFAULT_TENANT_ID, installTenantResolver } from './tenant.ts';
import { installTextGuard } from './text-guard.ts';

/** Fastify with the Zod type provider: route schemas type handlers' requests and replies. */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  readonly corsOrigins: readonly string[];
  /**
   * Open mode (no admin key): only loopback `Host` names and same-origin (or KEEL_CORS_ORIGINS) browser
   * requests are answered, against DNS rebinding and cross-site requests (`loopback-guard.ts`).
   */
  readonly loopbackOnly?: boolean;
  readonly version: string;
  readonly description: string;
}

export interface RouteSummary {
  readonly method: string;
  readonly url: string;
  /** Hidden routes (the reference page and its assets) are left out of the OpenAPI document. */
  readonly hidden: boolean;
  /** The scope the route declared (`config.scope`); undefined means it declared none. */
  readonly scope: string | undefined;
  /** Whether the route takes WebSocket upgrades (`websocket: true` or a `wsHandler`). */
  readonly websocket: boolean;
}

export interface HttpPlatform {
  readonly app: HttpServer;
  readonly shutdownGate: ShutdownGate;
  /** Every route registered, in order; the OpenAPI completeness test compares it with the document. */
  readonly routes: readonly RouteSummary[];
}

/**
 * The reference page's settings. Keel works offline, so the reference offers nothing that needs
 * Scalar's hosted services: no "Ask AI" agent (on by default on localhost), no MCP generator, no
 * developer toolbar (its "Deploy" upsell), no telemetry. Scalar titles the component schemas "Models"
 * by default, which doubled the `Models` tag of the model-gateway routes in the sidebar: the schemas are
 * listed as "Schemas" instead.
 */
export const API_REFERENCE_CONFIGURATION = {
  url: '/openapi.json',
  withDefaultFonts: false,
  pageTitle: 'Keel API reference',
  modelsSectionLabel: 'Schemas',
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  telemetry: false,
} as const;

/**
 * The HTTP platform every route runs on: request ids, problem+json errors, body limits, security
 * headers, CORS, OpenAPI 3.1 at /openapi.json and the reference at /docs. Modules add routes to `app`.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpPlatform> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    genReqId: requestIdFor,
    // One 'request completed' line per request (below) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false },
  }).withTypeProvider<ZodTypeProvider>() as unknown as HttpServer;

  // JSON routes only; multipart is added by the routes that take uploads. text/plain would otherwise parse
  // and fail later as a confusing schema error instead of a 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app as unknown as FastifyInstance);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    sendProblem(
      reply,
      new AppError(platformErrors.ROUTE_NOT_FOUND, {
        detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
      }),
      request,
    );
  });

  const routes: RouteSummary[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    const scope = route.config?.scope;
    const upgrades = route as { websocket?: boolean; wsHandler?: unknown };
    const websocket = upgrades.websocket === true || upgrades.wsHandler !== undefined;
    for (const method of methods)
      routes.push({ method: String(method), url: route.url, hidden, scope, websocket });
  });

  // First hook: everything after it (auth, limits, handlers, model calls) runs inside the request context.
  installRequestContext(app as unknown as FastifyInstance, DEFAULT_TENANT_ID);
  closeRefusedUpgrades(app as unknown as FastifyInstance);
  if (options.loopbackOnly === true) {
    installLoopbackGuard(app as unknown as FastifyInstance, { allowedOrigins: options.corsOrigins });
  }
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        tenantId: request.context.tenantId,
        keyId: request.context.keyId,
        traceId: request.context.traceId,
      },
      'request completed',
    );
  });

  const shutdownGate = installShutdownGate(app as unknown as FastifyInstance);
  installTenantResolver(app as unknown as FastifyInstance);
  // NUL and lone surrogates in a body, query or path answer 400 on every route (text-guard.ts).
  installTextGuard(app as unknown as FastifyInstance);

  // Helmet's headers, computed once (they are the same on every response); see security-headers.ts.
  const security = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(security.set);
    for (const name of security.removed) reply.raw.removeHeader(name);
    done();
  });
  await app.register(cors, {
    origin: options.corsOrigins.includes('*') ? true : [...options.corsOrigins],
    exposedHeaders: [
      'x-request-id',
      'x-trace-id',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'ratelimit-policy',
    ],
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Keel API', version: options.version, description: options.description },
      components: {},
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      annotateScopes(tidyComponents(jsonSchemaTransformObject(documentObject)), routes),
  });
  registerApiReference(app as unknown as FastifyInstance, '/docs', API_REFERENCE_CONFIGURATION);

  app.get(
    '/openapi.json',
    {
      config: { scope: PUBLIC_SCOPE },
      schema: {
        summary: 'This OpenAPI 3.1 document',
        tags: ['Service'],
        response: {
          200: z.record(z.string(), z.unknown()).describe('The OpenAPI 3.1 document of this Keel.'),
        },
      },
    },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );

  return { app, shutdownGate, routes };
}
