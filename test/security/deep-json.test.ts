import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestingExceeds } from '../../src/platform/http/json-body.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Deeply nested JSON over every route that takes a JSON body (from /openapi.json, `/mcp` included): the
 * answer is a 400 REQUEST_BODY_TOO_DEEP problem (OpenAI's error shape under /openai), never a 500 from a
 * stack overflow in whatever walks the body later (`/mcp` once answered 500 from JSON.stringify).
 */

const ADMIN_KEY = 'keel-admin-key-for-the-deep-json-test-01';
const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

interface Operation {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
}

let app: TestApp;
let operations: Operation[];

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const objects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
/** A body whose outer object is a plausible request, with the deep value inside a field. */
const inField = (depth: number) => `{"input":${arrays(depth - 1)}}`;

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY });
  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(
        ([method, operation]) =>
          ['post', 'put', 'patch', 'delete'].includes(method) &&
          operation.requestBody?.content?.['application/json'] !== undefined,
      )
      .map(([method]) => ({
        method: method.toUpperCase() as Operation['method'],
        url: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
      })),
  );
});
afterAll(async () => app?.close());

function codeOf(body: string): string | undefined {
  const parsed = JSON.parse(body) as { code?: string; error?: { code?: string } };
  return parsed.code ?? parsed.error?.code;
}

describe('deeply nested JSON bodies', () => {
  it('covers every JSON route, /mcp included', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.map((operation) => operation.url)).toContain('/mcp');
  });

  it('answers 400 REQUEST_BODY_TOO_DEEP on every JSON route', async () => {
    const failures: string[] = [];
    const bodies = {
      'arrays 10,000 deep': arrays(10_000),
      'objects 10,000 deep': objects(10_000),
      'a field 10,000 deep': inField(10_000),
      [`arrays ${MAX_JSON_DEPTH + 1} deep`]: arrays(MAX_JSON_DEPTH + 1),
    };
    for (const operation of operations) {
      for (const [name, payload] of Object.entries(bodies)) {
        const response = await app.app.inject({ ...operation, headers, payload });
        const type = String(response.headers['content-type']);
        const shaped = operation.url.startsWith('/openai/')
          ? type.startsWith('application/json')
          : type.startsWith('application/problem+json');
        if (response.statusCode !== 400 || !shaped || codeOf(response.body) !== 'REQUEST_BODY_TOO_DEEP') {
          failures.push(
            `${operation.method} ${operation.url} ${name}: ${response.statusCode} ${type} ${response.body.slice(0, 120)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it(`lets bodies ${MAX_JSON_DEPTH} levels deep through to the route`, async () => {
    const reached: string[] = [];
    for (const operation of operations) {
      const response = await app.app.inject({ ...operation, headers, payload: inField(MAX_JSON_DEPTH) });
      if (codeOf(response.body) === 'REQUEST_BODY_TOO_DEEP')
        reached.push(`${operation.method} ${operation.url}`);
    }
    expect(reached).toEqual([]);
  });
});

describe('nestingExceeds', () => {
  it.each([
    ['flat', '{"a":1,"b":[1,2]}', 2, false],
    ['exactly the limit', '[[1]]', 2, false],
    ['one past the limit', '[[[1]]]', 2, true],
    ['brackets inside strings do not count', '{"a":"[[[[{{{{"}', 1, false],
    ['escaped quotes keep the string open', '{"a":"\\"[[[[[\\""}', 1, false],
    ['an escaped backslash ends before the quote', '{"a":"\\\\"}', 1, false],
    ['siblings do not add up', '[[],[],[],[]]', 2, false],
  ])('%s', (_name, text, limit, expected) => {
    expect(nestingExceeds(text, limit)).toBe(expected);
  });
});
