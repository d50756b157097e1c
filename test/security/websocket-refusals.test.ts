import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Every WebSocket route, found from the app's own route table, refuses a handshake that fails (no key, a
 * bad key, a key in the query string, a key without the scope, no such job, draining) with its HTTP
 * problem AND closes the socket. A refused upgrade that stays open is one leaked file descriptor per
 * request (and a shutdown that never ends), so the server must close it, not the client.
 */

const ADMIN_KEY = 'keel-admin-key-for-websocket-refusals-01';
/** Liveness guard only: a socket still open this long after its answer was never going to be closed. */
const STILL_OPEN_MS = 2_000;

interface Outcome {
  readonly status: number | undefined;
  readonly closed: boolean;
}

let app: TestApp;
let port = 0;
let wsRoutes: Array<{ url: string; scope: string }> = [];
const rightKeys = new Map<string, string>();
let wrongKey = '';

/** Sends a WebSocket handshake on a raw socket; resolves with the answer's status and whether the server closed it. */
function handshake(path: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve({ status: match ? Number(match[1]) : undefined, closed });
    };
    const guard = setTimeout(() => finish(false), STILL_OPEN_MS);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    // 'end' is the server's FIN, 'close' a reset or a full close: either way the server let go.
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.once('error', () => finish(true));
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${Buffer.from(randomUUID().slice(0, 16)).toString('base64')}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, () => randomUUID());
}

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY });
  wsRoutes = app.routes
    .filter((route) => route.websocket && route.method === 'GET')
    .map((route) => ({ url: route.url, scope: route.scope ?? 'admin' }));
  for (const scope of new Set(wsRoutes.map((route) => route.scope))) {
    rightKeys.set(
      scope,
      (await app.keys.create({ name: `ws ${scope}`, tenantId: 'ws', scopes: [scope] })).token,
    );
  }
  wrongKey = (await app.keys.create({ name: 'ws none', tenantId: 'ws', scopes: ['nothing:read'] })).token;
  await app.app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => app?.close());

describe('refused WebSocket upgrades', () => {
  it('finds the WebSocket routes from the route table', () => {
    expect(wsRoutes.map((route) => route.url)).toEqual(
      expect.arrayContaining(['/v1/jobs/:id/ws', '/v1/analyses/:job_id/ws']),
    );
  });

  it('answers each refusal on every WebSocket route and closes the socket', async () => {
    const failures: string[] = [];
    for (const route of wsRoutes) {
      const url = concrete(route.url);
      const cases: Array<[string, string, Record<string, string>, number]> = [
        ['no key', url, {}, 401],
        ['bad key', url, { authorization: `Bearer keel_ffffffffffffffff_${'B'.repeat(43)}` }, 401],
        ['key in query', `${url}?api_key=${rightKeys.get(route.scope)}`, {}, 400],
        ['wrong scope', url, { authorization: `Bearer ${wrongKey}` }, 403],
        ['no such job', url, { authorization: `Bearer ${rightKeys.get(route.scope)}` }, 404],
      ];
      for (const [name, path, headers, status] of cases) {
        const outcome = await handshake(path, headers);
        if (outcome.status !== status || !outcome.closed) {
          failures.push(
            `${route.url} ${name}: expected ${status} and a closed socket, got ${outcome.status} ${outcome.closed ? 'closed' : 'STILL OPEN'}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('closes upgrades refused while draining', async () => {
    app.shutdownGate.startDraining();
    const outcomes = await Promise.all(
      wsRoutes.map((route) =>
        handshake(concrete(route.url), { authorization: `Bearer ${rightKeys.get(route.scope)}` }),
      ),
    );
    expect(outcomes).toEqual(wsRoutes.map(() => ({ status: 503, closed: true })));
  });
});
