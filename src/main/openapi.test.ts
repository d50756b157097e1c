import { validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/support/test-app.ts';

/** Routes served for people, not API clients: the reference page, the console, and their assets. */
const UNDOCUMENTED_BY_DESIGN = /^\/(docs|console)(\/|$)/;

describe('/openapi.json', () => {
  let app: TestApp;
  let document: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    app = await buildTestApp();
    const response = await app.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
  });
  afterAll(async () => app.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result).toMatchObject({ valid: true });
  });

  it('documents every route the server has, and no route it does not have', () => {
    const served = new Set(
      app.routes
        .filter((route) => !route.hidden && route.method !== 'HEAD' && route.method !== 'OPTIONS')
        // `::` is Fastify's escaped literal colon (`items:from-feedback`), not a parameter.
        .map(
          (route) => `${route.method} ${route.url.replace(/(?<!:):(\w+)/g, '{$1}').replaceAll('::', ':')}`,
        ),
    );
    const hidden = app.routes.filter((route) => route.hidden).map((route) => route.url);
    expect(hidden.filter((url) => url !== '*' && !UNDOCUMENTED_BY_DESIGN.test(url))).toEqual([]);
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    expect(documented).toContain('POST /v1/generate');
  });

  it('names component schemas and uses problem+json for errors', () => {
    const components = (document.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(components)).toEqual(
      expect.arrayContaining(['PromptRequest', 'PromptResponse', 'Problem']),
    );
    const generate = document.paths['/v1/generate']?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
    };
    expect(generate.requestBody.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/PromptRequest',
    });
    expect(generate.responses['200']?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/PromptResponse',
    });
    expect(generate.responses['400']?.content['application/problem+json']?.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('serves the interactive reference at /docs from Keel itself', async () => {
    const page = await app.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/openapi.json');
    const script = /src="([^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    expect(script).not.toMatch(/^https?:/);
    const asset = await app.app.inject({
      method: 'GET',
      url: new URL(script ?? '', 'http://x/docs/').pathname,
    });
    expect(asset.statusCode).toBe(200);
  });
});

describe('route scopes', () => {
  it('every documented route declares the API-key scope it needs', async () => {
    const app = await buildTestApp();
    const missing = app.routes
      .filter((route) => !route.hidden && route.method !== 'HEAD' && route.method !== 'OPTIONS')
      .filter((route) => route.scope === undefined)
      .map((route) => `${route.method} ${route.url}`);
    expect(missing).toEqual([]);
    await app.close();
  });
});
