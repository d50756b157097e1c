import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, textParts, usage } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import { costFromPriceTable } from '../../platform/telemetry/index.ts';
import { silentObserver } from './limits-observer.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';
import { createModelLimitsMiddleware } from './model-limits.middleware.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ADMIN_KEY = 'keel-admin-key-for-limit-tests-0123456789';

/** One cent per output token, input free: a call with max_tokens 5 is estimated at $0.05. */
const costOf = costFromPriceTable({ 'mock:m1': { input: 0, output: 10_000 } });

function model(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: answer('ok', usage(7, 3)),
    doStream: async () => ({ stream: streamOf(textParts('ok fine', usage(7, 3))) }),
  });
}

function streamOf(
  parts: LanguageModelV4StreamPart[],
  hold?: Promise<void>,
): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    async start(controller) {
      const finish = parts.at(-1);
      for (const part of parts.slice(0, -1)) controller.enqueue(part);
      await hold;
      if (finish) controller.enqueue(finish);
      controller.close();
    },
  });
}

async function keyWith(
  limits: Record<string, unknown>,
  scopes = ['capability:*', 'openai:*', 'requests:read'],
) {
  if (!app) throw new Error('no app');
  return (await app.keys.create({ name: 'limited', tenantId: 'acme', scopes, limits })).token;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function generate(token: string, maxTokens = 5) {
  return app?.app.inject({
    method: 'POST',
    url: '/v1/generate',
    headers: auth(token),
    payload: { user_input: 'hi', max_tokens: maxTokens },
  });
}

function chat(token: string, stream: boolean) {
  return app?.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    headers: auth(token),
    payload: { model: 'default', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stream },
  });
}

describe('requests per minute', () => {
  it('admits the limit, then answers 429 with Retry-After and RateLimit headers, per key', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    const token = await keyWith({ requestsPerMinute: 3 });
    const other = await keyWith({ requestsPerMinute: 3 });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) });
      statuses.push(response.statusCode);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(response.headers['ratelimit-remaining']).toBe(String(2 - index));
      expect(response.headers['ratelimit-policy']).toBe('3;w=60');
    }
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ code: 'LIMIT_REQUESTS_EXCEEDED', limit: 3, retryable: true });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(other) })).statusCode,
    ).toBe(200);
    const metrics = await app.telemetry.metrics.registry.getSingleMetricAsString(
      'keel_rate_limit_rejections_total',
    );
    expect(metrics).toContain('keel_rate_limit_rejections_total{limit="requests"} 1');
  });

  it('applies the deployment default to keys without their own, on the OpenAI surface too (in its error shape)', async () => {
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      model: model(),
      defaultLimits: { requestsPerMinute: 1 },
    });
    const token = await keyWith({});
    expect((await chat(token, false))?.statusCode).toBe(200);
    const refused = await chat(token, false);
    expect(refused?.statusCode).toBe(429);
    expect(refused?.json()).toMatchObject({ error: { code: 'LIMIT_REQUESTS_EXCEEDED' } });
    expect(refused?.headers['retry-after']).toBeDefined();
  });

  it('does not count public routes', async () => {
    app = await buildTestApp({ defaultLimits: { requestsPerMinute: 1 } });
    for (let index = 0; index < 3; index += 1) {
      expect((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  });
});

describe('concurrent streams', () => {
  it('holds a key to its open streams on the streaming chat route, and frees the slot when a stream ends', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const streaming = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => {
        calls += 1;
        return { stream: streamOf(textParts('a b c'), calls === 1 ? held : undefined) };
      },
    });
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: streaming });
    const token = await keyWith({ concurrentStreams: 1 });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const open = () =>
      fetch(`${address}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth(token), 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      });
    const first = await open();
    expect(first.status).toBe(200);
    const reader = first.body?.getReader();
    await reader?.read();
    await expect
      .poll(() => app?.telemetry.metrics.openStreams.get().then((metric) => metric.values[0]?.value))
      .toBe(1);

    const second = await open();
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: 'LIMIT_STREAMS_EXCEEDED' } });
    // JSON (non-streaming) calls are not streams.
    expect((await chat(token, false))?.statusCode).not.toBe(429);

    release();
    while (!(await reader?.read())?.done) {}
    await expect.poll(async () => (await open()).status).toBe(200);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('frees the slot when the client goes away mid-stream', async () => {
    const never = new Promise<void>(() => {});
    const streaming = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => ({ stream: streamOf(textParts('a b c'), never) }),
    });
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: streaming });
    const token = await keyWith({ concurrentStreams: 1 });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const first = await fetch(`${address}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth(token), 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: controller.signal,
    });
    await first.body?.getReader().read();
    controller.abort();
    await expect
      .poll(() => app?.telemetry.metrics.openStreams.get().then((metric) => metric.values[0]?.value))
      .toBe(0);
    expect(
      await app.limitStore.acquire(`streams:${(await app.keys.list({ limit: 1 })).items[0]?.id}`, 1, 1_000),
    ).toMatchObject({
      acquired: true,
    });
  });
});

describe('spend budgets', () => {
  it('stops spend once the budget is used: capability calls, JSON and streamed chat alike, with no model call', async () => {
    const mock = model();
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: mock, costOf });
    // Each call is estimated at $0.05 (5 output tokens) and costs $0.03 (3): two fit in $0.10, a third would not.
    const token = await keyWith({ budget: { usd: 0.1, period: 'month' } });
    expect((await generate(token))?.statusCode).toBe(200);
    expect((await chat(token, true))?.statusCode).toBe(200);
    const calls = mock.doGenerateCalls.length + mock.doStreamCalls.length;
    expect(calls).toBe(2);

    for (const attempt of [() => generate(token), () => chat(token, false), () => chat(token, true)]) {
      const refused = await attempt();
      expect(refused?.statusCode).toBe(429);
      expect(refused?.body).toContain('LIMIT_BUDGET_EXHAUSTED');
      expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(mock.doGenerateCalls.length + mock.doStreamCalls.length).toBe(calls);
    const problem = (await generate(token))?.json();
    expect(problem).toMatchObject({ budget_usd: 0.1, spent_usd: 0.06, period: 'month' });

    // Another key of the same tenant has its own budget.
    const fresh = await keyWith({ budget: { usd: 0.1, period: 'month' } });
    expect((await generate(fresh))?.statusCode).toBe(200);
  });

  it('gives a failed call its reservation back', async () => {
    let fail = true;
    const flaky = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doGenerate: async () => {
        if (fail) throw new Error('upstream broke');
        return answer('ok', usage(7, 3));
      },
    });
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: flaky, costOf });
    const token = await keyWith({ budget: { usd: 0.05, period: 'day' } });
    for (let index = 0; index < 3; index += 1)
      expect((await generate(token))?.statusCode).toBeGreaterThanOrEqual(500);
    fail = false;
    expect((await generate(token))?.statusCode).toBe(200);
  });
});

describe('tokens per minute', () => {
  it('reserves estimated tokens, settles them to the usage, and refuses what does not fit', async () => {
    let open: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const mock = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doGenerate: async () => {
        await gate;
        return answer('ok', usage(7, 3));
      },
    });
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: mock });
    const token = await keyWith({ tokensPerMinute: 400 });
    // Estimated ~305 tokens (prompt + max_tokens 300), settled to 10: the next one fits again.
    expect((await generate(token, 300))?.statusCode).toBe(200);
    expect((await generate(token, 300))?.statusCode).toBe(200);
    // While one 300-token call is in flight, a second does not fit in 400.
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const inFlight = generate(token, 300);
    await expect.poll(() => mock.doGenerateCalls.length).toBe(3);
    const refused = await generate(token, 300);
    expect(refused?.statusCode).toBe(429);
    expect(refused?.json()).toMatchObject({ code: 'LIMIT_TOKENS_EXCEEDED', limit: 400 });
    expect(refused?.headers['ratelimit-limit']).toBe('400');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    open();
    expect((await inFlight)?.statusCode).toBe(200);
    expect((await generate(token, 300))?.statusCode).toBe(200);
  });

  it('refuses a single call larger than the whole per-minute allowance with 413', async () => {
    const mock = model();
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: mock });
    const token = await keyWith({ tokensPerMinute: 100 });
    const response = await generate(token, 300);
    expect(response?.statusCode).toBe(413);
    expect(response?.json().code).toBe('LIMIT_TOKENS_TOO_LARGE');
    expect(mock.doGenerateCalls).toHaveLength(0);
  });
});

describe('budgets after a restart (in-process counters)', () => {
  it('start each period from the spend on record', async () => {
    const asked: Array<[string, string]> = [];
    const middleware = createModelLimitsMiddleware({
      store: new MemoryLimitStore(),
      observer: silentObserver,
      limitsFor: () => ({ budget: { usd: 0.1, period: 'month' } }),
      costOf,
      seedSpend: async (subject, since) => {
        asked.push([subject, since.toISOString()]);
        return 0.07;
      },
      now: () => new Date('2026-11-21T10:00:00.000Z'),
    });
    const mock = model();
    const wrapped = wrapLanguageModel({ model: mock, middleware });
    const context = createRequestContext({ requestId: 'r', tenantId: 't', keyId: 'key_0123456789abcdef' });
    // $0.07 already spent: a call estimated at $0.05 no longer fits in $0.10.
    await expect(
      runWithRequestContext(context, () =>
        generateText({ model: wrapped, prompt: 'hi', maxOutputTokens: 5, maxRetries: 0 }),
      ),
    ).rejects.toMatchObject({ code: 'LIMIT_BUDGET_EXHAUSTED' });
    // $0.03 still fits (estimate: 3 output tokens), once; the seed is read once per period.
    await runWithRequestContext(context, () =>
      generateText({ model: wrapped, prompt: 'hi', maxOutputTokens: 3, maxRetries: 0 }),
    );
    expect(mock.doGenerateCalls).toHaveLength(1);
    expect(asked).toEqual([['key_0123456789abcdef', '2026-11-01T00:00:00.000Z']]);
  });
});
