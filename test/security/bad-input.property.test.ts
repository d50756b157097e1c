import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/test-app.ts';
import { LOOKALIKE_TEXT, UNSAFE_TEXT } from '../support/unsafe-text.ts';

/**
 * R4 over the whole API: every operation in /openapi.json that takes a JSON body gets random bodies
 * (any JSON value, and objects with random keys), with an admin key so auth is not what stops them. No
 * answer may be a 500, every 4xx/5xx is problem+json with a code (OpenAI's error shape under /openai),
 * and an oversized body gets 413. Strings holding NUL or a lone surrogate, in a body (values and keys, at
 * any depth), a query string or a path, get 400 on every route (issue 17, item 6; decision 0126).
 */

const ADMIN_KEY = 'keel-admin-key-for-the-bad-input-test-01';
const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

interface Operation {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
}

/** Any operation of the document, with the names of its path and query parameters. */
interface AnyOperation {
  readonly method: string;
  readonly path: string;
  readonly pathParameters: readonly string[];
  readonly queryParameters: readonly string[];
}

let app: TestApp;
let operations: Operation[];
let everyOperation: AnyOperation[];

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY, http: { bodyLimitBytes: 65_536, corsOrigins: [] } });
  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content?: Record<string, unknown> };
          parameters?: Array<{ in: string; name: string }>;
        }
      >
    >;
  };
  everyOperation = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      pathParameters: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? ''),
      queryParameters: (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name),
    })),
  );
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(
        ([method, operation]) =>
          ['post', 'put', 'patch', 'delete'].includes(method) &&
          operation.requestBody?.content?.['application/json'] !== undefined,
      )
      // Ids in the path: one that exists nowhere (the body is still validated, or the id answers 404).
      .map(([method]) => ({
        method: method.toUpperCase() as Operation['method'],
        url: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'),
      })),
  );
});
afterAll(async () => app?.close());

async function expectProblem(operation: Operation, payload: string) {
  const response = await app.app.inject({ method: operation.method, url: operation.url, headers, payload });
  const where = `${operation.method} ${operation.url} with ${payload.slice(0, 120)}`;
  expect(response.statusCode, where).not.toBe(500);
  if (response.statusCode >= 400 && operation.url.startsWith('/openai/')) {
    // The OpenAI-compatible surface answers in OpenAI's error shape, by design (docs/gateway.md).
    expect(response.json().error, where).toMatchObject({ message: expect.any(String) });
  } else if (
    response.statusCode >= 400 &&
    operation.url === '/mcp' &&
    !String(response.headers['content-type']).startsWith('application/problem+json')
  ) {
    // MCP speaks JSON-RPC: past the body's shape, its errors are JSON-RPC error objects (docs/agents.md).
    expect(response.json().error, where).toMatchObject({
      code: expect.any(Number),
      message: expect.any(String),
    });
  } else if (response.statusCode >= 400) {
    expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/);
    expect(response.json().code, where).toEqual(expect.any(String));
  }
  return response;
}

describe('bad input on every route with a JSON body', () => {
  it('covers the API', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it('never answers 500 to random JSON, and every error is a problem document', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
    );
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(body, async (value) => {
          await expectProblem(operation, JSON.stringify(value));
        }),
        { numRuns: 8, seed: 42 },
      );
    }
  });

  it('answers 400 to NUL and lone surrogates anywhere in a body, values and keys, at any depth', async () => {
    const unsafe = fc.constantFrom(...UNSAFE_TEXT);
    const safe = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...LOOKALIKE_TEXT));
    // A random JSON body with one unsafe string planted at a random place: a value or a key.
    const planted = fc
      .tuple(
        fc.dictionary(safe, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        unsafe,
        fc.boolean(),
        fc.integer({ min: 0, max: 40 }),
      )
      .map(([base, text, asKey, depth]) => {
        let value: unknown = asKey ? { [text]: 'x' } : text;
        for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { deeper: value };
        return { ...base, planted: value };
      });
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(planted, async (value) => {
          const response = await expectProblem(operation, JSON.stringify(value));
          expect(response.statusCode, `${operation.method} ${operation.url}`).toBe(400);
          if (!operation.url.startsWith('/openai/')) {
            expect(response.json().errors?.[0]?.pointer, operation.url).toMatch(/^\/body\/planted/);
          }
        }),
        { numRuns: 6, seed: 7 },
      );
    }
  });

  it('answers 400 to NUL and lone surrogates in a path or a query string, on every route', async () => {
    const encoded = UNSAFE_TEXT.map((text) =>
      // Lone surrogates have no UTF-8 form: sent as the bytes an unpaired \ud800 escape would decode to.
      text.isWellFormed()
        ? encodeURIComponent(text)
        : encodeURIComponent(text.toWellFormed()).replaceAll('%EF%BF%BD', '%ED%A0%80'),
    );
    let tried = 0;
    for (const operation of everyOperation) {
      if (operation.path === '/docs' || operation.path.startsWith('/docs/')) continue;
      const withPath = operation.pathParameters.length > 0;
      const withQuery = operation.queryParameters.length > 0;
      if (!withPath && !withQuery) continue;
      for (const text of encoded) {
        const url = `${operation.path.replace(/\{[^}]+\}/g, `id${text}`)}${
          withQuery ? `?${operation.queryParameters.map((name) => `${name}=q${text}`).join('&')}` : ''
        }`;
        const response = await app.app.inject({
          method: operation.method as 'GET',
          url,
          headers,
          ...(['POST', 'PUT', 'PATCH'].includes(operation.method) ? { payload: '{}' } : {}),
        });
        tried += 1;
        expect(response.statusCode, `${operation.method} ${url}`).toBeLessThan(500);
        // Well-formed after decoding (the %ED%A0%80 bytes decode to U+FFFD), the NUL cases are refused.
        if (text.includes('%00')) expect(response.statusCode, `${operation.method} ${url}`).toBe(400);
      }
    }
    expect(tried).toBeGreaterThan(20);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    for (const operation of operations) {
      const malformed = await expectProblem(operation, '{"unterminated": ');
      expect([400, 404], `${operation.method} ${operation.url}`).toContain(malformed.statusCode);
      let oversized = await expectProblem(operation, JSON.stringify({ text: 'x'.repeat(70_000) }));
      // Routes that take documents have their own, larger limit (KEEL_UPLOAD_LIMIT_BYTES, 20 MiB here).
      if (oversized.statusCode !== 413) {
        oversized = await expectProblem(operation, JSON.stringify({ text: 'x'.repeat(21 * 1_048_576) }));
      }
      expect(oversized.statusCode, `${operation.method} ${operation.url}`).toBe(413);
    }
  });
});
