import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small load balancer for end-to-end tests and benches: round robin over upstream base URLs, on
 * loopback. Bodies of requests are buffered (they are small), responses are streamed through as they
 * arrive (no buffering: Server-Sent Events keep flowing), like nginx with `proxy_buffering off`.
 *
 * A connection an upstream refuses (a killed process) marks it down for `downForMs` and the request
 * goes to the next one: the request never reached the dead process, so this is safe for POST too. An
 * upstream that dies mid-response ends the client's connection, as a real balancer would; clients
 * reconnect (SSE with `Last-Event-ID`).
 */

export interface RoundRobinProxy {
  readonly url: string;
  /** Responses started per upstream URL. */
  readonly served: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export interface RoundRobinProxyOptions {
  readonly downForMs?: number;
}

export async function startRoundRobinProxy(
  upstreams: readonly string[],
  options: RoundRobinProxyOptions = {},
): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new Error('the proxy needs at least one upstream');
  const downForMs = options.downForMs ?? 2_000;
  const downUntil = new Map<string, number>();
  const served = new Map<string, number>(upstreams.map((upstream) => [upstream, 0]));
  let next = 0;
  const sockets = new Set<import('node:net').Socket>();

  function order(): string[] {
    const start = next++ % upstreams.length;
    const rotated = [...upstreams.slice(start), ...upstreams.slice(0, start)];
    const now = Date.now();
    const up = rotated.filter((upstream) => (downUntil.get(upstream) ?? 0) <= now);
    // When every upstream looks down, try them all anyway: one may be back.
    return up.length > 0 ? [...up, ...rotated.filter((upstream) => !up.includes(upstream))] : rotated;
  }

  function forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    body: Buffer,
    candidates: string[],
  ): void {
    const [upstream, ...rest] = candidates;
    if (upstream === undefined) {
      response.writeHead(502, { 'content-type': 'text/plain' }).end('no upstream accepted the connection');
      return;
    }
    const target = new URL(request.url ?? '/', upstream);
    const headers = { ...request.headers, host: target.host, connection: 'close' };
    const outgoing = http.request(target, { method: request.method, headers, agent: false });
    outgoing.on('response', (incoming) => {
      served.set(upstream, (served.get(upstream) ?? 0) + 1);
      response.writeHead(incoming.statusCode ?? 502, incoming.headers);
      response.flushHeaders();
      incoming.on('data', (chunk: Buffer) => response.write(chunk));
      incoming.on('end', () => response.end());
      // The upstream died mid-response: cut the client off so it sees the break and reconnects.
      incoming.on('error', () => response.destroy());
      incoming.on('aborted', () => response.destroy());
      response.on('close', () => incoming.destroy());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error.code === 'ECONNREFUSED') {
        downUntil.set(upstream, Date.now() + downForMs);
        forward(request, response, body, rest);
        return;
      }
      response
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`upstream error: ${error.code ?? error.message}`);
    });
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => forward(request, response, Buffer.concat(chunks), order()));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
