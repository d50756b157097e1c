import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { PUBLIC_SCOPE } from '../../platform/http/index.ts';
import { limitErrors } from './limits.errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `false`: the route is never shed, whatever the load (cancels and other cheap calls a client needs
     * to manage work it already handed over). Reads, deletes and public routes are never shed anyway.
     */
    shed?: boolean;
  }
}

export interface LoadSheddingOptions {
  /** Event-loop lag (ms, smoothed) above which new work is refused with 503; 0 turns shedding off. */
  readonly maxEventLoopDelayMs: number;
  /** How often the lag is sampled. Default 100 ms. */
  readonly sampleIntervalMs?: number;
  readonly retryAfterSeconds?: number;
  readonly onShed?: (request: FastifyRequest, lagMs: number) => void;
  /** Where the lag is read; default a new `EventLoopLag` (tests give a fixed one). */
  readonly lag?: { readonly lagMs: number; stop(): void };
}

/**
 * How late the event loop runs a timer, sampled every interval and smoothed: a real figure from the first
 * request (0 before any tick is late), never a placeholder. A loop that is blocked right now counts by how
 * overdue its next tick already is.
 */
export class EventLoopLag {
  readonly #intervalMs: number;
  #expected: number;
  #smoothedMs = 0;
  #timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.#intervalMs = intervalMs;
    this.#expected = Date.now() + intervalMs;
    this.#timer = this.#schedule();
  }

  /** Milliseconds of lag: the smoothed recent lag, or how overdue the pending tick is, if more. */
  get lagMs(): number {
    return Math.max(this.#smoothedMs, Date.now() - this.#expected);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #schedule(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const now = Date.now();
      const lag = Math.max(0, now - this.#expected);
      this.#smoothedMs = this.#smoothedMs * 0.5 + lag * 0.5;
      this.#expected = now + this.#intervalMs;
      this.#timer = this.#schedule();
    }, this.#intervalMs);
    timer.unref();
    return timer;
  }
}

const NEVER_SHED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/**
 * Requests that are never refused for load: health and other public routes, reads (status, results, event
 * streams and their WebSocket upgrades), deletes, and routes marked `shed: false` (cancels). They are what a
 * client needs to manage work it already handed over, and they cost little.
 */
export function isNeverShed(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  return config.scope === PUBLIC_SCOPE || config.shed === false || NEVER_SHED_METHODS.has(request.method);
}

/**
 * Sheds new work when the event loop lags: answering some requests 503 at once (before their bodies are
 * read, so an upload is refused whole, never half-stored) beats answering all of them late. CPU-bound work
 * runs on the compute pool, whose own queue refuses interactive calls it cannot start in time; this guard
 * is the last line for the loop itself.
 */
export function installLoadShedding(app: FastifyInstance, options: LoadSheddingOptions): void {
  if (options.maxEventLoopDelayMs <= 0) return;
  const lag = options.lag ?? new EventLoopLag(options.sampleIntervalMs ?? 100);
  const retryAfter = String(options.retryAfterSeconds ?? 2);
  app.addHook('onClose', async () => lag.stop());
  app.addHook('onRequest', async (request) => {
    if (isNeverShed(request)) return;
    const lagMs = lag.lagMs;
    if (lagMs <= options.maxEventLoopDelayMs) return;
    options.onShed?.(request, lagMs);
    throw new AppError(limitErrors.SERVICE_OVERLOADED, {
      detail: `The event loop lags ${Math.round(lagMs)} ms (limit ${options.maxEventLoopDelayMs} ms).`,
      details: { event_loop_lag_ms: Math.round(lagMs), limit_ms: options.maxEventLoopDelayMs },
      headers: { 'retry-after': retryAfter },
    });
  });
}
