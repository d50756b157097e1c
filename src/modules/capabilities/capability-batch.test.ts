import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answer, upstreamError } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { defineCapability } from './define-capability.ts';

function promptOf(options: LanguageModelV4CallOptions): string {
  return JSON.stringify(options.prompt);
}

/** A test-only capability that counts how many of its invocations run at once. */
function concurrencyProbe() {
  const state = { running: 0, peak: 0, started: 0 };
  const capability = defineCapability({
    name: 'test-double',
    version: '1.0.0',
    summary: 'Doubles a number',
    description: 'Doubles `n` after a short pause.',
    input: z.object({ n: z.number().int() }).strict(),
    output: z.object({ doubled: z.number().int() }),
    async run(input, context) {
      state.running += 1;
      state.started += 1;
      state.peak = Math.max(state.peak, state.running);
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 10);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(context.signal.reason);
          });
        });
        return { doubled: input.n * 2 };
      } finally {
        state.running -= 1;
      }
    },
  });
  return { capability, state };
}

describe('POST /v1/<name>/batch', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers one result per item in input order; a bad item gets its own field errors', async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-1',
      doGenerate: async (options) =>
        answer(`answer to ${promptOf(options).includes('first') ? 'first' : 'third'}`),
    });
    app = await buildTestApp({ model });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate/batch',
      headers: { 'x-request-id': 'batch-1' },
      payload: {
        items: [{ user_input: 'first' }, { user_input: '', max_tokens: 0 }, { user_input: 'third' }],
      },
    });
    expect(response.statusCode).toBe(200);
    const { results } = response.json();
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual({
      index: 0,
      status: 'succeeded',
      output: { answer: 'answer to first', status: 'ok' },
    });
    expect(results[2]).toEqual({
      index: 2,
      status: 'succeeded',
      output: { answer: 'answer to third', status: 'ok' },
    });
    expect(results[1]).toMatchObject({
      index: 1,
      status: 'failed',
      problem: { code: 'REQUEST_VALIDATION_FAILED', status: 400, request_id: 'batch-1' },
    });
    const pointers = results[1].problem.errors.map((error: { pointer: string }) => error.pointer).sort();
    expect(pointers).toEqual(['/body/items/1/max_tokens', '/body/items/1/user_input']);
    expect(model.doGenerateCalls).toHaveLength(2);

    // One request-log record for the batch, merged from its items.
    await app.writer.flush();
    expect(await app.store.get('default', 'batch-1')).toMatchObject({
      capability: 'generate',
      route: '/v1/generate/batch',
      outcome: 'failed',
      errorCode: 'REQUEST_VALIDATION_FAILED',
      httpStatus: 200,
      inputTokens: 14,
      outputTokens: 6,
      models: ['mock:mock-1'],
      output: { results },
    });
  });

  it('reports a model failure on one item as that item’s problem, the others succeeding', async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-1',
      doGenerate: async (options) => {
        if (promptOf(options).includes('boom')) throw upstreamError(500);
        return answer('fine');
      },
    });
    app = await buildTestApp({ model });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate/batch',
      payload: { items: [{ user_input: 'a' }, { user_input: 'boom' }, { user_input: 'c' }] },
    });
    expect(response.statusCode).toBe(200);
    const { results } = response.json();
    expect(results.map((result: { status: string }) => result.status)).toEqual([
      'succeeded',
      'failed',
      'succeeded',
    ]);
    expect(results[1].problem).toMatchObject({ code: 'GATEWAY_UPSTREAM_ERROR', status: 502 });
    expect(JSON.stringify(results[1])).not.toContain('sk-secret-value');
  });

  it('runs items with bounded concurrency', async () => {
    const probe = concurrencyProbe();
    app = await buildTestApp({
      extraCapabilities: [probe.capability],
      capabilityCalls: { batch: { maxItems: 50, concurrency: 3 } },
    });
    const items = Array.from({ length: 12 }, (_, n) => ({ n }));
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/test-double/batch',
      payload: { items },
    });
    expect(response.statusCode).toBe(200);
    expect(
      response.json().results.map((result: { output: { doubled: number } }) => result.output.doubled),
    ).toEqual(items.map(({ n }) => n * 2));
    expect(probe.state.peak).toBe(3);
  });

  it.each([
    [{ items: [] }, '/body/items'],
    [{ items: Array.from({ length: 6 }, () => ({ n: 1 })) }, '/body/items'],
    [{ items: [{ n: 1 }], extra: true }, '/body'],
    [{}, '/body/items'],
  ])('rejects %j as a whole with a 400 problem at %s', async (payload, pointer) => {
    const probe = concurrencyProbe();
    app = await buildTestApp({
      extraCapabilities: [probe.capability],
      capabilityCalls: { batch: { maxItems: 5, concurrency: 2 } },
    });
    const response = await app.app.inject({ method: 'POST', url: '/v1/test-double/batch', payload });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
    expect(probe.state.started).toBe(0);
  });

  it('stops running items when the client disconnects', async () => {
    const probe = concurrencyProbe();
    app = await buildTestApp({
      extraCapabilities: [probe.capability],
      capabilityCalls: { batch: { maxItems: 100, concurrency: 1 } },
    });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new AbortController();
    const request = fetch(`${address}/v1/test-double/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: Array.from({ length: 100 }, (_, n) => ({ n })) }),
      signal: client.signal,
    }).catch(() => undefined);
    await expect.poll(() => probe.state.started).toBeGreaterThan(0);
    client.abort();
    await request;
    await expect.poll(() => probe.state.running).toBe(0);
    const startedAfterAbort = probe.state.started;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probe.state.started).toBe(startedAfterAbort);
    expect(probe.state.started).toBeLessThan(100);
  });

  it('has no batch route for workflows served only as jobs, and documents the batch route', async () => {
    const workflow = defineCapability({
      name: 'test-workflow',
      version: '1.0.0',
      summary: 'A long workflow',
      description: 'Jobs only.',
      sync: false,
      input: z.object({}).strict(),
      output: z.object({}),
      run: async () => ({}),
    });
    app = await buildTestApp({ extraCapabilities: [workflow] });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/test-workflow/batch',
      payload: { items: [{}] },
    });
    expect(response.statusCode).toBe(404);
    const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.paths['/v1/generate/batch'].post.operationId).toBe('generateBatch');
    expect(document.paths['/v1/test-workflow/batch']).toBeUndefined();
  });
});
