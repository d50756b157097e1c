import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * R4 over the whole API: every operation in /openapi.json that takes a JSON body gets random bodies
 * (any JSON value, and objects with random keys), with an admin key so auth is not what stops them. No
 * answer may be a 500, every 4xx/5xx is problem+json with a code (OpenAI's error shape under /openai),
 * and an oversized body gets 413.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-bad-input-test-01';
const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

interface Operation {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
}

let app: TestApp;
let operations: Operation[];

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY, http: { bodyLimitBytes: 65_536, corsOrigins: [] } });
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
