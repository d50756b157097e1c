import type { Socket } from 'node:net';
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
  /**
   * Aborted when the drain deadline is reached, just before the remaining connections are closed: long
   * responses (event streams) listen to it to end with a final event instead of being cut. Its reason is
   * a SERVICE_SHUTTING_DOWN AppError.
   */
  readonly deadline: AbortSignal;
  /** Reaches the deadline now (the drain calls it when `KEEL_SHUTDOWN_TIMEOUT_MS` runs out). */
  reachDeadline(): void;
  /**
   * Destroys every socket the server still has open: HTTP connections and also upgraded ones (WebSockets,
   * and upgrade requests still being routed), which `server.closeAllConnections()` does not see because
   * Node stops tracking a socket once it leaves the HTTP parser. Without this one such socket keeps
   * `server.close()` (and so the shutdown) waiting forever.
   */
  closeAllConnections(): void;
}

export function installShutdownGate(app: FastifyInstance): ShutdownGate {
  let draining = false;
  const deadline = new AbortController();
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
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
    deadline: deadline.signal,
    reachDeadline() {
      if (!deadline.signal.aborted) {
        deadline.abort(
          new AppError(platformErrors.SERVICE_SHUTTING_DOWN, {
            detail: 'This process reached its shutdown deadline while the call was running. Retry.',
          }),
        );
      }
    },
    closeAllConnections() {
      app.server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}
