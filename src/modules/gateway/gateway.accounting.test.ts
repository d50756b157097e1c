import type { LanguageModelV4CallOptions, LanguageModelV4Middleware } from '@ai-sdk/provider';
import { generateText } from 'ai';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  answer,
  gatewayOver,
  readAll,
  scope,
  scripted,
  textParts,
  upstreamError,
  usage,
} from '../../../test/support/gateway-fixtures.ts';
import { AppError } from '../../platform/errors/index.ts';
import { MemoryResponseCache } from './cache/memory-response-cache.ts';
import { DEFAULT_CACHE } from './gateway-settings.ts';
import { UsageRecorder } from './usage/usage-recorder.ts';

const prompt: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
};
const signal = new AbortController().signal;

describe('usage and cost', () => {
  it('prices each call from the table and sums an invocation for the request log', async () => {
    const model = scripted('alpha:a1', [
      answer('one', usage(1_000, 500)),
      upstreamError(500),
      answer('two', usage(2_000, 0)),
    ]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': model },
      { settings: { prices: { 'alpha:a1': { input: 0.15, output: 0.6 } } } },
    );
    const recorder = new UsageRecorder();
    const models = gateway.forInvocation({ ...scope, capability: 'generate', signal, recorder });
    await generateText({ model: models.language(), prompt: 'a', maxRetries: 0 });
    await generateText({ model: models.language(), prompt: 'b', maxRetries: 0 });
    expect(calls.map((call) => call.costUsd)).toEqual([0.00045, 0.0003]);
    expect(calls[1]).toMatchObject({
      retries: 1,
      attempts: 2,
      source: 'test',
      requestId: 'request-1',
      tenantId: 'tenant-a',
    });
    expect(recorder.snapshot()).toEqual({
      calls: 2,
      inputTokens: 3_000,
      outputTokens: 500,
      models: ['alpha:a1'],
      costUsd: 0.00075,
      retries: 1,
      fallbacks: 0,
      cacheHits: 0,
      repairs: 0,
    });
  });

  it('counts tokens itself when the provider reports none, and says so', async () => {
    const silent = answer('four words of output', {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    });
    const { gateway, calls } = gatewayOver({ 'alpha:a1': scripted('alpha:a1', [silent]) });
    await gateway.languageModel('default', scope)?.doGenerate(prompt);
    expect(calls[0]).toMatchObject({ tokensEstimated: true, costUsd: null });
    expect(calls[0]?.inputTokens).toBeGreaterThan(0);
    expect(calls[0]?.outputTokens).toBeGreaterThan(0);
  });

  it("applies the composition root's middlewares outermost, where they see which deployment served", async () => {
    const seen: unknown[] = [];
    const order: string[] = [];
    const telemetry: LanguageModelV4Middleware = {
      specificationVersion: 'v4',
      wrapGenerate: async ({ doGenerate }) => {
        order.push('telemetry');
        const result = await doGenerate();
        seen.push(result.providerMetadata?.keel);
        return result;
      },
    };
    const limits: LanguageModelV4Middleware = {
      specificationVersion: 'v4',
      transformParams: async ({ params }) => {
        order.push('limits');
        return params;
      },
    };
    const primary = scripted('alpha:a1', [upstreamError(401)]);
    const fallback = scripted('beta:b1', [answer('ok')]);
    const { gateway } = gatewayOver(
      { 'alpha:a1': primary, 'beta:b1': fallback },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
        settings: { prices: { 'beta:b1': { input: 1, output: 1 } } },
        dependencies: { modelMiddleware: [limits, telemetry] },
      },
    );
    await gateway.languageModel('default', scope)?.doGenerate(prompt);
    expect(order).toEqual(['limits', 'telemetry']);
    expect(seen).toEqual([
      expect.objectContaining({
        deployment: 'beta:b1',
        provider: 'beta',
        model: 'b1',
        fallbacks: 1,
        costUsd: 0.00001,
      }),
    ]);
  });

  it('records failed calls too, with the deployment that failed', async () => {
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': scripted('alpha:a1', [upstreamError(400)]) },
      { settings: { prices: { 'alpha:a1': { input: 1, output: 1 } } } },
    );
    await Promise.resolve(gateway.languageModel('default', scope)?.doGenerate(prompt)).catch(() => undefined);
    expect(calls).toMatchObject([
      { outcome: 'failed', errorCode: 'GATEWAY_REQUEST_REJECTED', deployment: 'alpha:a1' },
    ]);
  });
});

describe('response cache', () => {
  const cache = { ...DEFAULT_CACHE, enabled: true };

  it('answers an identical request from the cache: no model call, a hit, no cost', async () => {
    const model = scripted('alpha:a1', [answer('cached answer')]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': model },
      { settings: { cache, prices: { 'alpha:a1': { input: 1, output: 1 } } } },
    );
    const first = await gateway.languageModel('default', scope)?.doGenerate({ ...prompt, temperature: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    const second = await gateway.languageModel('default', scope)?.doGenerate({ ...prompt, temperature: 0 });
    expect(second?.content).toEqual(first?.content);
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(calls.map((call) => [call.cacheHit, call.costUsd, call.deployment])).toEqual([
      [false, 0.00001, 'alpha:a1'],
      [true, 0, 'alpha:a1'],
    ]);
    // A different request is a different entry.
    await expect(
      gateway.languageModel('default', scope)?.doGenerate({ ...prompt, temperature: 1 }),
    ).rejects.toThrow();
  });

  it('records a streamed answer and replays it as a stream', async () => {
    const model = new MockLanguageModelV4({
      provider: 'alpha',
      modelId: 'a1',
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            for (const part of textParts('streamed once')) controller.enqueue(part);
            controller.close();
          },
        }),
      }),
    });
    const store = new MemoryResponseCache({ maxEntries: 10 });
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': model },
      { settings: { cache }, dependencies: { cacheStore: store } },
    );
    const first = await readAll(
      (await gateway.languageModel('default', scope)?.doStream(prompt))?.stream ?? new ReadableStream(),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const replayed = await readAll(
      (await gateway.languageModel('default', scope)?.doStream(prompt))?.stream ?? new ReadableStream(),
    );
    expect(model.doStreamCalls).toHaveLength(1);
    const text = (parts: typeof first) =>
      parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    expect(text(replayed)).toBe('streamed once');
    expect(text(replayed)).toBe(text(first));
    expect(replayed.at(-1)).toMatchObject({ type: 'finish', providerMetadata: { keel: { cacheHit: true } } });
    expect(calls.map((call) => call.cacheHit)).toEqual([false, true]);
  });

  it('never caches a failure', async () => {
    const model = scripted('alpha:a1', [upstreamError(400), answer('fine now')]);
    const store = new MemoryResponseCache({ maxEntries: 10 });
    const { gateway } = gatewayOver(
      { 'alpha:a1': model },
      { settings: { cache }, dependencies: { cacheStore: store } },
    );
    await Promise.resolve(gateway.languageModel('default', scope)?.doGenerate(prompt)).catch(() => undefined);
    const result = await gateway.languageModel('default', scope)?.doGenerate(prompt);
    expect(result?.content).toEqual([{ type: 'text', text: 'fine now' }]);
    expect(model.doGenerateCalls).toHaveLength(2);
  });
});

describe('structured output', () => {
  const schema = z.object({ name: z.string(), age: z.number().int().min(0) });

  it('repairs an invalid answer once and returns a schema-valid object', async () => {
    const model = scripted('alpha:a1', [
      answer('{"name": "Ada", "age": "thirty"'),
      answer('{"name": "Ada", "age": 36}'),
    ]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const recorder = new UsageRecorder();
    const models = gateway.forInvocation({ ...scope, capability: 'extract', signal, recorder });
    const result = await models.object({ schema, prompt: 'Who is Ada?' });
    expect(result).toEqual({ object: { name: 'Ada', age: 36 }, repairs: 1 });
    expect(model.doGenerateCalls[0]?.responseFormat).toMatchObject({
      type: 'json',
      schema: expect.any(Object),
    });
    const repairMessage = model.doGenerateCalls[1]?.prompt.at(-1);
    expect(JSON.stringify(repairMessage)).toContain('not valid JSON');
    expect(calls.map((call) => call.repair)).toEqual([0, 1]);
    expect(recorder.snapshot().repairs).toBe(1);
  });

  it('feeds the validation issues back to the model', async () => {
    const model = scripted('alpha:a1', [
      answer('{"name": "Ada", "age": -1}'),
      answer('{"name": "Ada", "age": 1}'),
    ]);
    const { gateway } = gatewayOver({ 'alpha:a1': model });
    await gateway.forInvocation({ ...scope, capability: 'extract', signal }).object({ schema, prompt: 'x' });
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt.at(-1))).toContain('age');
  });

  it('gives up after the bounded repairs with GATEWAY_OUTPUT_INVALID carrying the issues', async () => {
    const model = scripted('alpha:a1', [answer('nope'), answer('{"name": 1}'), answer('{"name": "x"}')]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const error = (await gateway
      .forInvocation({ ...scope, capability: 'extract', signal })
      .object({ schema, prompt: 'x' })
      .catch((caught: unknown) => caught)) as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('GATEWAY_OUTPUT_INVALID');
    expect(error.status).toBe(502);
    expect(error.details).toEqual({ issues: [{ path: 'age', message: expect.any(String) }], repairs: 2 });
    expect(calls).toHaveLength(3);
  });
});

describe('embeddings', () => {
  it('serves `embed` from an injected model when none is configured, through accounting', async () => {
    const local = new MockEmbeddingModelV4({
      provider: 'local',
      modelId: 'use-lite-512',
      doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, 0.2]), warnings: [] }),
    });
    const { gateway, calls } = gatewayOver({}, { dependencies: { embeddingModels: [local] } });
    const model = gateway.forInvocation({ ...scope, capability: 'x', signal }).embedding();
    const result = await model.doEmbed({ values: ['a', 'b'] });
    expect(result.embeddings).toEqual([
      [0.1, 0.2],
      [0.1, 0.2],
    ]);
    expect(calls[0]).toMatchObject({
      operation: 'embed',
      deployment: 'local:use-lite-512',
      tokensEstimated: true,
    });
    expect(gateway.list().aliases).toContainEqual(
      expect.objectContaining({ name: 'embed', kind: 'embedding' }),
    );
  });

  it('retries a failing embedding call like any other', async () => {
    let attempts = 0;
    const remote = new MockEmbeddingModelV4({
      provider: 'remote',
      modelId: 'e1',
      doEmbed: async ({ values }) => {
        attempts += 1;
        if (attempts === 1) throw upstreamError(503);
        return { embeddings: values.map(() => [1]), usage: { tokens: 4 }, warnings: [] };
      },
    });
    const { gateway, calls } = gatewayOver({}, { dependencies: { embeddingModels: [remote] } });
    await gateway.embeddingModel('embed', scope)?.doEmbed({ values: ['x'] });
    expect(calls[0]).toMatchObject({ retries: 1, inputTokens: 4, tokensEstimated: false });
  });
});
