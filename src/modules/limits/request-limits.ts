import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { guarded } from './guarded.ts';
import type { KeyLimits } from './key-limits.ts';
import type { LimitStore } from './limit-store.port.ts';
import { limitErrors } from './limits.errors.ts';
import type { LimitsObserver } from './limits-observer.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Whether the route answers with a stream (SSE). Streams count against the key's
     * `concurrentStreams`. Routes that stream only on request need not set it: a JSON body with
     * `stream: true` or `Accept: text/event-stream` marks the request as a stream too.
     */
    stream?: boolean;
  }
}

const MINUTE_MS = 60_000;
/** A stream's slot is leased, and renewed while it is open, so a crashed process cannot hold it forever. */
const STREAM_LEASE_MS = 60_000;

export interface RequestLimitsOptions {
  readonly store: LimitStore;
  readonly observer: LimitsObserver;
  /** The caller's subject and limits; undefined for public routes (nothing is counted). */
  readonly subjectOf: (
    request: FastifyRequest,
  ) => { readonly subject: string; readonly limits: KeyLimits } | undefined;
}

/**
 * Requests per minute (checked as each request arrives, after authentication) and concurrent streams
 * (checked once the body says whether the request streams). Every route passes through these hooks.
 */
export function installRequestLimits(app: FastifyInstance, options: RequestLimitsOptions): void {
  const { store, observer } = options;

  app.addHook('onRequest', async (request, reply) => {
    const caller = options.subjectOf(request);
    const perMinute = caller?.limits.requestsPerMinute;
    if (caller === undefined || perMinute === undefined) return;
    const decision = await guarded(store.consume(`rpm:${caller.subject}`, 1, perMinute, MINUTE_MS));
    const headers = rateLimitHeaders(decision, 60);
    if (!decision.allowed) {
      observer.rejected('requests');
      throw new AppError(limitErrors.LIMIT_REQUESTS_EXCEEDED, {
        detail: `This key may send ${perMinute} requests per minute.`,
        details: { limit: perMinute, retryAfterSeconds: decision.retryAfterSeconds },
        headers,
      });
    }
    reply.headers(headers);
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!isStream(request)) return;
    const caller = options.subjectOf(request);
    const limit = caller?.limits.concurrentStreams;
    let release: () => void = () => {};
    if (caller !== undefined && limit !== undefined) {
      const key = `streams:${caller.subject}`;
      const slot = await guarded(store.acquire(key, limit, STREAM_LEASE_MS));
      if (!slot.acquired || slot.lease === undefined) {
        observer.rejected('streams');
        throw new AppError(limitErrors.LIMIT_STREAMS_EXCEEDED, {
          detail: `This key may hold ${limit} open streams; ${slot.active} are open.`,
          details: { limit, open: slot.active },
          headers: { 'retry-after': '1' },
        });
      }
      const lease = slot.lease;
      const renewal = setInterval(() => {
        store
          .renew(key, lease, STREAM_LEASE_MS)
          .catch((error: unknown) => request.log.warn({ err: error }, 'stream slot renewal failed'));
      }, STREAM_LEASE_MS / 3);
      renewal.unref();
      release = () => {
        clearInterval(renewal);
        store
          .release(key, lease)
          .catch((error: unknown) => request.log.warn({ err: error }, 'stream slot release failed'));
      };
    }
    observer.streamOpened();
    onceClosed(reply, () => {
      observer.streamClosed();
      release();
    });
  });
}

/** A request streams when its route says so, its JSON body asks for `stream: true`, or it accepts only SSE. */
export function isStream(request: FastifyRequest): boolean {
  if (request.routeOptions.config.stream === true) return true;
  const body = request.body as { stream?: unknown } | null | undefined;
  if (typeof body === 'object' && body !== null && body.stream === true) return true;
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.startsWith('text/event-stream');
}

function onceClosed(reply: FastifyReply, callback: () => void): void {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    callback();
  };
  reply.raw.once('close', finish);
  reply.raw.once('finish', finish);
}
