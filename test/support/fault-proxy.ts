import net from 'node:net';

/**
 * A TCP proxy with fault injection, put between Keel and PostgreSQL or Redis in tests so their outages can
 * be simulated without touching the real services:
 *
 * - `cut()` resets every open connection (a server restart, `pg_terminate_backend`, a network blip);
 * - `refuse(ms?)` stops listening, so new connections get ECONNREFUSED (a server that is down), until
 *   `restore()` or for `ms`; open connections are cut too;
 * - `latency(ms)` delays every chunk in both directions (a slow network).
 *
 * It listens on loopback on a port of its own, which stays the same across `refuse`/`restore`.
 */
export interface FaultProxy {
  readonly port: number;
  /** `target` (a URL) with its host and port replaced by the proxy's. */
  urlFor(target: string): string;
  /** Connections open now. */
  readonly connections: number;
  cut(): void;
  refuse(ms?: number): Promise<void>;
  restore(): Promise<void>;
  latency(ms: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<net.Socket>();
  let delayMs = 0;
  let refusing = false;
  let closed = false;
  let refuseTimer: NodeJS.Timeout | undefined;

  const relay = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (delayMs === 0) to.write(chunk);
      else {
        // Pause so chunks keep their order while delayed.
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
      }
    });
  };

  const onConnection = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      for (const socket of [client, upstream]) {
        sockets.delete(socket);
        if (!socket.destroyed) socket.resetAndDestroy();
      }
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    relay(client, upstream);
    relay(upstream, client);
  };

  let server = net.createServer(onConnection);
  await listen(server, 0);
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
  const port = address.port;

  const cut = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };

  const restore = async () => {
    clearTimeout(refuseTimer);
    refuseTimer = undefined;
    if (!refusing || closed) return;
    refusing = false;
    server = net.createServer(onConnection);
    // The port was ours a moment ago; retry briefly in case the kernel has not released it yet.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await listen(server, port);
        return;
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };

  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    get connections() {
      return sockets.size / 2;
    },
    cut,
    async refuse(ms) {
      if (!refusing) {
        refusing = true;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          cut();
        });
      }
      if (ms !== undefined) {
        clearTimeout(refuseTimer);
        refuseTimer = setTimeout(() => void restore(), ms);
      }
    },
    restore,
    latency(ms) {
      delayMs = Math.max(0, ms);
    },
    async close() {
      closed = true;
      clearTimeout(refuseTimer);
      cut();
      if (!refusing) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The host and port a `postgres://` or `redis://` URL points at. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}
