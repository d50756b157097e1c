import type { FastifyInstance } from 'fastify';
import { AppError, platformErrors } from '../errors/index.ts';
import { sendProblem } from './error-handler.ts';

/**
 * Once draining starts, new requests get 503 SERVICE_SHUTTING_DOWN (with `connection: close`) while the
 * ones already in flight run to completion.
 */
export interface ShutdownGate {
  readonly draining: boolean;
  startDraining(): void;
}

export function installShutdownGate(app: FastifyInstance): ShutdownGate {
  let draining = false;
  app.addHook('onRequest', async (request, reply) => {
    if (!draining) return;
    reply.header('connection', 'close');
    reply.header('retry-after', '1');
    sendProblem(reply, new AppError(platformErrors.SERVICE_SHUTTING_DOWN), request);
    return reply;
  });
  // Responses finishing while draining close their connection, so keep-alive sockets do not hold the exit.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
  return {
    get draining() {
      return draining;
    },
    startDraining() {
      draining = true;
    },
  };
}
