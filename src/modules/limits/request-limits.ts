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
     * Whether the route answers with a stream (SSE or WebSocket); streams count against the key's
     * `concurrentStreams`. `true`: every request to it is a stream (job events, a run's stream), whatever
     * its headers. `'when-accepted'`: it streams when the request has `Accept: text/event-stream`
     * (capabilities). `'when-body-asks'`: it streams when the JSON body has `stream: true` (chat
     * completions). Unset: it never streams, and no header makes one of its requests count. Every route
     * that streams declares it (a test over every route documenting `text/event-stream`, and every
     * WebSocket route, checks).
     */
    stream?: boolean | 'when-accepted' | 'when-body-asks';
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
 * (checked once the body is parsed, before it is validated, since a body can ask for a stream). Every
 * route passes through these hooks.
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
        details: { limit: perMinute, retry_after_seconds: decision.resetSeconds },
        headers,
      });
    }
    reply.headers(headers);
  });

  app.addHook('preValidation', async (request, reply) => {
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

/**
 * A request streams when its route always streams, or streams on request and this one asks the way the
 * route reads it. The route decides, not the client: leaving out `Accept` does not escape the limit on
 * an always-streaming route, and sending it does not take a slot on a route that never streams.
 */
export function isStream(request: FastifyRequest): boolean {
  const declared = request.routeOptions.config.stream;
  if (declared === true) return true;
  if (declared === 'when-accepted') {
    const accept = request.headers.accept;
    return typeof accept === 'string' && accept.startsWith('text/event-stream');
  }
  if (declared === 'when-body-asks') {
    const body = request.body as { stream?: unknown } | null | undefined;
    return typeof body === 'object' && body !== null && body.stream === true;
  }
  return false;
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
