import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { defineCapability } from './define-capability.ts';

function answer(text: string): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: 7, noCache: 7, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 3, text: 3, reasoning: undefined },
    },
    warnings: [],
  };
}

describe('POST /v1/generate', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("returns the model's answer in the seed contract and logs the call with its usage", async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-1',
      doGenerate: answer('Three uses.'),
    });
    app = await buildTestApp({ model });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { user_input: 'Name three uses of a keel.', max_tokens: 50 },
      headers: { 'x-request-id': 'generate-ok-1' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ answer: 'Three uses.', status: 'ok' });
    expect(model.doGenerateCalls[0]?.maxOutputTokens).toBe(50);
    await app.writer.flush();
    expect(await app.store.get('default', 'generate-ok-1')).toMatchObject({
      capability: 'generate',
      outcome: 'succeeded',
      httpStatus: 200,
      models: ['mock:mock-1'],
      inputTokens: 7,
      outputTokens: 3,
      input: { user_input: 'Name three uses of a keel.', max_tokens: 50 },
      output: { answer: 'Three uses.', status: 'ok' },
    });
  });

  it('applies the default max_tokens of 300', async () => {
    const model = new MockLanguageModelV4({ doGenerate: answer('ok') });
    app = await buildTestApp({ model });
    await app.app.inject({ method: 'POST', url: '/v1/generate', payload: { user_input: 'hi' } });
    expect(model.doGenerateCalls[0]?.maxOutputTokens).toBe(300);
  });

  it.each([
    [{ user_input: '' }, '/body/user_input', 'too_small'],
    [{ user_input: 'x'.repeat(20_001) }, '/body/user_input', 'too_big'],
    [{}, '/body/user_input', 'invalid_type'],
    [{ user_input: 'hi', max_tokens: 0 }, '/body/max_tokens', 'too_small'],
    [{ user_input: 'hi', max_tokens: 4097 }, '/body/max_tokens', 'too_big'],
    [{ user_input: 'hi', max_tokens: 1.5 }, '/body/max_tokens', 'invalid_type'],
    [{ user_input: 'hi', temperature: 2 }, '/body', 'unrecognized_keys'],
  ])('rejects %j with a 400 field error at %s', async (payload, pointer, code) => {
    const model = new MockLanguageModelV4();
    app = await buildTestApp({ model });
    const response = await app.app.inject({ method: 'POST', url: '/v1/generate', payload });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.request_id).toBe(response.headers['x-request-id']);
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED, naming the variables to set, when no model is configured', async () => {
    app = await buildTestApp();
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { user_input: 'hi' },
    });
    expect(response.statusCode).toBe(503);
    const problem = response.json();
    expect(problem.code).toBe('MODEL_NOT_CONFIGURED');
    expect(problem.detail).toContain('OPENAI_API_KEY');
    expect(problem.detail).toContain('OPENAI_BASE_URL');
    expect(problem.detail).toContain('KEEL_MODEL');
    expect(problem).not.toHaveProperty('answer');
  });

  it.each([
    [429, 'GATEWAY_RATE_LIMITED', 429],
    [500, 'GATEWAY_UPSTREAM_ERROR', 502],
    [404, 'GATEWAY_REQUEST_REJECTED', 502],
    [408, 'GATEWAY_PROVIDER_TIMEOUT', 504],
  ])(
    'maps an upstream %i to %s (%i) and keeps the provider message out of the response',
    async (status, code, httpStatus) => {
      const model = new MockLanguageModelV4({
        doGenerate: async () => {
          throw new APICallError({
            message: 'upstream said sk-secret-value',
            url: 'http://upstream/v1/chat/completions',
            requestBodyValues: {},
            statusCode: status,
            responseHeaders: status === 429 ? { 'retry-after': '7' } : {},
          });
        },
      });
      app = await buildTestApp({ model });
      const response = await app.app.inject({
        method: 'POST',
        url: '/v1/generate',
        payload: { user_input: 'hi' },
      });
      expect(response.statusCode).toBe(httpStatus);
      expect(response.json()).toMatchObject({ code, upstream_status: status });
      expect(response.body).not.toContain('sk-secret-value');
      if (status === 429) expect(response.headers['retry-after']).toBe('7');
    },
  );

  it('hides a defect in capability code behind a 500 INTERNAL_ERROR and logs the cause', async () => {
    const broken = defineCapability({
      name: 'broken',
      version: '1.0.0',
      summary: 'Always throws',
      description: 'A capability with a bug.',
      input: z.object({ text: z.string() }),
      output: z.object({ ok: z.boolean() }),
      run: async () => {
        throw new TypeError('cannot read properties of undefined (secret internals)');
      },
    });
    app = await buildTestApp({ extraCapabilities: [broken] });
    const response = await app.app.inject({ method: 'POST', url: '/v1/broken', payload: { text: 'x' } });
    expect(response.statusCode).toBe(500);
    expect(response.json().code).toBe('INTERNAL_ERROR');
    expect(response.body).not.toContain('secret internals');
    expect(
      app.logs.raw.some((line) => line.includes('secret internals') && line.includes('"level":"error"')),
    ).toBe(true);
  });

  it('never passes on an output that breaks the contract: 502 CAPABILITY_OUTPUT_INVALID with the issues', async () => {
    const sloppy = defineCapability({
      name: 'sloppy',
      version: '1.0.0',
      summary: 'Returns the wrong shape',
      description: 'A capability whose output breaks its schema.',
      input: z.object({ text: z.string() }),
      output: z.object({ score: z.number().min(0).max(1) }),
      run: async () => ({ score: 7 }),
    });
    app = await buildTestApp({ extraCapabilities: [sloppy] });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/sloppy',
      payload: { text: 'x' },
      headers: { 'x-request-id': 'sloppy-1' },
    });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'CAPABILITY_OUTPUT_INVALID', issues: [{ path: 'score' }] });
    await app.writer.flush();
    expect(await app.store.get('default', 'sloppy-1')).toMatchObject({
      outcome: 'failed',
      errorCode: 'CAPABILITY_OUTPUT_INVALID',
      output: null,
    });
  });

  it('passes an abort signal that fires when the client disconnects', async () => {
    let seen: AbortSignal | undefined;
    const slow = defineCapability({
      name: 'slow',
      version: '1.0.0',
      summary: 'Waits for its signal',
      description: 'Resolves only when aborted.',
      input: z.object({}),
      output: z.object({}),
      run: (_input, context) => {
        seen = context.signal;
        return new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => reject(new Error('aborted')));
        });
      },
    });
    app = await buildTestApp({ extraCapabilities: [slow] });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const request = fetch(`${address}/v1/slow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'slow-1' },
      body: '{}',
      signal: controller.signal,
    }).catch(() => undefined);
    await expect.poll(() => seen !== undefined).toBe(true);
    controller.abort();
    await request;
    await expect.poll(() => seen?.aborted).toBe(true);
    await app.writer.flush();
    await expect.poll(async () => (await app?.store.get('default', 'slow-1'))?.outcome).toBe('aborted');
  });
});
