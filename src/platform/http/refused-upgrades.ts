import type { FastifyInstance } from 'fastify';

/**
 * An upgrade request (`Connection: upgrade`, e.g. a WebSocket handshake) leaves Node's HTTP parser before
 * Fastify routes it, so nothing closes its socket when it is answered with an HTTP response instead of a
 * `101` (refused by auth, limits, draining, a 404...): the socket would stay open, one file descriptor per
 * refused handshake, and hold the shutdown. Such answers say `connection: close` and close the socket once
 * written. A handshake that succeeds is hijacked by the WebSocket plugin and never finishes its reply.
 */
export function closeRefusedUpgrades(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    // `upgrade` is set by Node's parser; true here means the request came through the server's 'upgrade'.
    if ((request.raw as { upgrade?: boolean }).upgrade === true) {
      const socket = request.raw.socket;
      reply.raw.shouldKeepAlive = false;
      reply.raw.once('finish', () => socket.destroySoon());
    }
    done();
  });
}
