import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { PUBLIC_SCOPE } from '../../platform/http/index.ts';
import { limitErrors } from './limits.errors.ts';

export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) over a sample above which new requests get 503; 0 turns shedding off. */
  readonly maxEventLoopDelayMs: number;
  /** How often the delay is sampled. */
  readonly sampleIntervalMs?: number;
  readonly retryAfterSeconds?: number;
  readonly onShed?: (request: FastifyRequest, delayMs: number) => void;
}

/**
 * Sheds load when the event loop lags: answering some requests 503 at once beats answering all of them
 * late. Public routes (health, readiness, the API description) are never shed, so orchestrators see the
 * process as alive and can read `/readyz`.
 */
export async function installLoadShedding(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  if (options.maxEventLoopDelayMs <= 0) return;
  const retryAfter = String(options.retryAfterSeconds ?? 2);
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    sampleInterval: options.sampleIntervalMs ?? 500,
    exposeStatusRoute: false,
    pressureHandler: async (request, _reply, _type, value) => {
      if (request.routeOptions.config.scope === PUBLIC_SCOPE) return;
      options.onShed?.(request, Number(value ?? 0));
      throw new AppError(limitErrors.SERVICE_OVERLOADED, {
        detail: `The event loop lags ${Math.round(Number(value ?? 0))} ms (limit ${options.maxEventLoopDelayMs} ms).`,
        headers: { 'retry-after': retryAfter },
      });
    },
  });
}
