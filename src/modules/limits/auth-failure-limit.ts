import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { guarded } from './guarded.ts';
import type { LimitStore } from './limit-store.port.ts';
import { limitErrors } from './limits.errors.ts';
import type { LimitsObserver } from './limits-observer.ts';

const MINUTE_MS = 60_000;
/** Failures are counted without a ceiling; the check before authentication is what refuses. */
const UNCOUNTED_CEILING = 1_000_000_000;

export interface AuthFailureLimitOptions {
  readonly store: LimitStore;
  readonly observer: LimitsObserver;
  /** Failed key checks one client address may make per minute; 0 turns the limit off. */
  readonly failuresPerMinute: number;
}

/**
 * Per client address, failed key checks per minute (a sliding window, shared through Redis when
 * configured). Once an address has `failuresPerMinute` failures, its requests that carry a key get 429
 * `LIMIT_AUTH_FAILURES` before the key is checked, until the window slides. A failure is a 401 answered to
 * a request that sent an `Authorization` header; requests sending no key cost nothing to refuse and are
 * not counted. Installed before the auth guard.
 */
export function installAuthFailureLimit(app: FastifyInstance, options: AuthFailureLimitOptions): void {
  const { store, observer, failuresPerMinute } = options;
  if (failuresPerMinute <= 0) return;

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined || !presentsKey(request)) return;
    // Cost 0 against `failuresPerMinute - 1`: allowed while fewer than `failuresPerMinute` are counted.
    const decision = await guarded(store.consume(keyOf(request), 0, failuresPerMinute - 1, MINUTE_MS));
    if (decision.allowed) return;
    observer.rejected('auth-failures');
    const retryAfter = Math.max(1, decision.retryAfterSeconds);
    throw new AppError(limitErrors.LIMIT_AUTH_FAILURES, {
      detail: `Too many failed API key checks from this address; retry in ${retryAfter} s.`,
      details: { limit: failuresPerMinute, retryAfterSeconds: retryAfter },
      headers: { 'retry-after': String(retryAfter) },
    });
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode !== 401 || !presentsKey(request)) return;
    await store.consume(keyOf(request), 1, UNCOUNTED_CEILING, MINUTE_MS).catch((error: unknown) => {
      request.log.warn({ err: error }, 'auth failure count not recorded');
    });
  });
}

function presentsKey(request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && header !== '';
}

function keyOf(request: FastifyRequest): string {
  return `authfail:${request.ip}`;
}
