import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

/** Model usage accumulated by every model call made on behalf of one request (read by the request log). */
export interface RequestUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  readonly models: Set<string>;
}

/**
 * Who a unit of work runs for: set for every HTTP request once it is authenticated, and re-entered by
 * jobs for the request that enqueued them. Model-call middlewares (limits, telemetry) read it, so they
 * need no parameters threaded through capability code.
 */
export interface RequestContext {
  readonly requestId: string;
  tenantId: string;
  /** The API key's public id (`key_...`), `admin` for the bootstrap key, undefined when auth is open. */
  keyId: string | undefined;
  scopes: readonly string[];
  /** The subject limits and budgets are counted against: the key id, or `local` when auth is open. */
  subject: string;
  readonly usage: RequestUsage;
  /** W3C trace id of the request's span, when tracing made one. */
  traceId: string | undefined;
  /** Whether a principal was established (a key, the admin key, or open local access). */
  authenticated: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function emptyUsage(): RequestUsage {
  return { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, models: new Set() };
}

export interface RequestContextInit {
  readonly requestId: string;
  readonly tenantId: string;
  readonly keyId?: string | undefined;
  readonly scopes?: readonly string[];
  readonly subject?: string;
  readonly traceId?: string | undefined;
  readonly authenticated?: boolean;
}

export function createRequestContext(init: RequestContextInit): RequestContext {
  return {
    requestId: init.requestId,
    tenantId: init.tenantId,
    keyId: init.keyId,
    scopes: init.scopes ?? [],
    subject: init.subject ?? init.keyId ?? 'local',
    usage: emptyUsage(),
    traceId: init.traceId,
    authenticated: init.authenticated ?? init.keyId !== undefined,
  };
}

/** The context of the work running now, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs `work` (and everything it awaits) inside `context`; jobs call it around a handler. */
export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` keeps a route out of the request log (the metrics scrape, for example). */
    requestLog?: boolean;
  }
  interface FastifyRequest {
    /** This request's context (also reachable through `currentRequestContext()` in code it calls). */
    context: RequestContext;
  }
}

/**
 * Opens a context for every request before any other hook runs. The hook is callback-style on purpose:
 * Fastify runs the rest of the request's hooks and its handler from inside `done`, so they all see it.
 * The tenant starts as `defaultTenantId`; authentication replaces it with the key's tenant.
 */
export function installRequestContext(app: FastifyInstance, defaultTenantId: string): void {
  app.decorateRequest('context', undefined as unknown as RequestContext);
  app.addHook('onRequest', (request, _reply, done) => {
    const context = createRequestContext({ requestId: request.id, tenantId: defaultTenantId });
    request.context = context;
    storage.run(context, done);
  });
}
