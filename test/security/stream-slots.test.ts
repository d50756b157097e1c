import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The concurrent-stream limit over every route that streams, found from /openapi.json (every operation
 * documenting a `text/event-stream` answer) and the route table (every WebSocket route): with the key's
 * only slot taken, a request that would stream is refused with 429 LIMIT_STREAMS_EXCEEDED. Routes that
 * always stream are refused whatever the request's `Accept` (job event streams once escaped the limit by
 * leaving it out); routes that stream on request are refused when asked to stream and served otherwise;
 * no other route counts as a stream, whatever its headers.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-stream-slot-test-1';

type Kind = 'always' | 'on request' | 'never';
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly kind: Kind;
}

let app: TestApp;
let token = '';
let operations: Operation[] = [];

function codeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { code?: string; error?: { code?: string } };
    return parsed.code ?? parsed.error?.code;
  } catch {
    return undefined;
  }
}

async function send(operation: Operation, asks: boolean) {
  const hasBody = !['GET', 'HEAD', 'DELETE'].includes(operation.method);
  return app.app.inject({
    method: operation.method as 'GET',
    url: operation.url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(asks ? { accept: 'text/event-stream' } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { payload: JSON.stringify(asks ? { stream: true } : {}) } : {}),
  });
}

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY });
  const created = await app.keys.create({
    name: 'one stream',
    tenantId: 'streams',
    scopes: ['admin'],
    limits: { concurrentStreams: 1 },
  });
  token = created.token;
  // The key's one slot, held for the whole file: any further stream of the key is over its limit.
  const slot = await app.limitStore.acquire(`streams:${created.key.id}`, 1, 600_000);
  expect(slot.acquired).toBe(true);

  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
    >;
  };
  const websocketRoutes = new Set(
    app.routes
      .filter((route) => route.websocket)
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`),
  );
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const content = operation.responses?.['200']?.content ?? {};
      const sse = content['text/event-stream'] !== undefined;
      const json = content['application/json'] !== undefined;
      const websocket = websocketRoutes.has(`${method.toUpperCase()} ${path}`);
      const kind: Kind = websocket || (sse && !json) ? 'always' : sse ? 'on request' : 'never';
      return {
        method: method.toUpperCase(),
        path,
        url: path.replace(/\{[^}]+\}/g, () => randomUUID()),
        kind,
      };
    }),
  );
});
afterAll(async () => app?.close());

describe('concurrent-stream slots, decided by the route', () => {
  it('finds the streaming routes of every kind', () => {
    const named = (kind: Kind) =>
      operations.filter((operation) => operation.kind === kind).map((operation) => operation.path);
    expect(named('always')).toEqual(
      expect.arrayContaining(['/v1/jobs/{id}/events', '/v1/jobs/{id}/ws', '/v1/agents/runs/{id}/stream']),
    );
    expect(named('on request')).toEqual(
      expect.arrayContaining(['/v1/generate', '/openai/v1/chat/completions']),
    );
  });

  it('refuses a stream over the limit on every streaming route, and counts nothing else', async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path} [${operation.kind}]`;
      for (const asks of [false, true]) {
        const response = await send(operation, asks);
        const refused = response.statusCode === 429 && codeOf(response.body) === 'LIMIT_STREAMS_EXCEEDED';
        const expected = operation.kind === 'always' || (operation.kind === 'on request' && asks);
        if (refused !== expected) {
          failures.push(
            `${label} ${asks ? 'asking for a stream' : 'plain'}: ${expected ? 'expected 429 LIMIT_STREAMS_EXCEEDED' : 'expected no stream slot'}, got ${response.statusCode} ${codeOf(response.body)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
