import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, usage } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { costFromPriceTable } from '../../platform/telemetry/index.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

// Issue 22 item 5 (decision 0154): on every 429, `RateLimit-Reset` and `Retry-After` are one figure, and a
// refusal caused by another limit does not carry the requests-per-minute window's reset beside its own.

const ADMIN_KEY = 'keel-admin-key-for-rate-limit-header-tests';
const MINUTE = 60_000;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

function model(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: answer('ok', usage(7, 3)),
  });
}

async function keyWith(target: TestApp, limits: Record<string, unknown>) {
  return target.keys.create({
    name: 'limited',
    tenantId: 'acme',
    scopes: ['capability:*', 'requests:read'],
    limits,
  });
}

function generate(target: TestApp, token: string, headers: Record<string, string> = {}) {
  return target.app.inject({
    method: 'POST',
    url: '/v1/generate',
    headers: { ...auth(token), ...headers },
    payload: { user_input: 'hi', max_tokens: 300 },
  });
}

/** The agreement every 429 that sends RateLimit fields must show. */
function expectOneFigure(headers: Record<string, unknown>, problem: { retry_after_seconds?: number }) {
  const retryAfter = Number(headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(headers['ratelimit-reset']).toBe(headers['retry-after']);
  expect(problem.retry_after_seconds).toBe(retryAfter);
}

describe('one reset figure on every 429', () => {
  it('requests per minute, while the previous window still weighs', async () => {
    // 10 s into a minute: 3 requests fill the limit of 3.
    let now = Date.parse('2026-12-07T12:00:10.000Z');
    const store = new MemoryLimitStore({ now: () => now });
    app = await buildTestApp({ adminKey: ADMIN_KEY, limits: { store, maxEventLoopDelayMs: 0 } });
    const { token } = await keyWith(app, { requestsPerMinute: 3 });
    for (let index = 0; index < 3; index += 1) {
      const admitted = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) });
      expect(admitted.statusCode).toBe(200);
      expect(admitted.headers['retry-after']).toBeUndefined();
    }
    // A minute later the previous window weighs 3 x 50/60 = 2.5: one more does not fit for 10 s, though the
    // current window ends in 50 s (the figure ratelimit-reset used to send).
    now += MINUTE;
    const refused = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) });
    expect(refused.statusCode).toBe(429);
    expectOneFigure(refused.headers, refused.json());
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    now += 10_000;
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) })).statusCode,
    ).toBe(200);
  });

  it('tokens per minute', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: model() });
    const { token } = await keyWith(app, { tokensPerMinute: 400, requestsPerMinute: 100 });
    // The first call's estimate (~305) is settled to 10 tokens; a reservation held in the window decides.
    await app.limitStore.consume(
      `tpm:${(await app.keys.list({ limit: 10 })).items[0]?.id}`,
      300,
      400,
      MINUTE,
    );
    const refused = await generate(app, token);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('LIMIT_TOKENS_EXCEEDED');
    expect(refused.headers['ratelimit-limit']).toBe('400');
    expect(refused.headers['ratelimit-remaining']).toBe('100');
    expectOneFigure(refused.headers, refused.json());
  });

  it('refused keys per client address', async () => {
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 0, authFailuresPerMinute: 2 },
    });
    const wrong = { authorization: `Bearer keel_0123456789abcdef_${'A'.repeat(43)}` };
    for (let index = 0; index < 2; index += 1)
      expect((await app.app.inject({ method: 'GET', url: '/v1/requests', headers: wrong })).statusCode).toBe(
        401,
      );
    const refused = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: wrong });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('LIMIT_AUTH_FAILURES');
    expect(refused.headers['ratelimit-limit']).toBe('2');
    expectOneFigure(refused.headers, refused.json());
  });

  it('open streams: Retry-After alone, not the request window’s reset', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: model() });
    const { token, key } = await keyWith(app, { concurrentStreams: 1, requestsPerMinute: 100 });
    // Another process holds the key's one stream slot.
    expect(await app.limitStore.acquire(`streams:${key.id}`, 1, MINUTE)).toMatchObject({ acquired: true });
    const refused = await generate(app, token, { accept: 'text/event-stream' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('LIMIT_STREAMS_EXCEEDED');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-reset']).toBeUndefined();
    expect(refused.headers['ratelimit-remaining']).toBeUndefined();
    // An admitted request of the same key still describes its window.
    const admitted = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: auth(token) });
    expect(admitted.headers['ratelimit-limit']).toBe('100');
  });

  it('spend budgets: Retry-After until the period ends, not the request window’s reset', async () => {
    const costOf = costFromPriceTable({ 'mock:m1': { input: 0, output: 10_000 } });
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: model(), costOf });
    // A call is estimated at $3 (300 output tokens at a cent each): more than the whole budget.
    const { token } = await keyWith(app, { budget: { usd: 1, period: 'month' }, requestsPerMinute: 100 });
    const refused = await generate(app, token);
    expect(refused.statusCode).toBe(429);
    const problem = refused.json();
    expect(problem.code).toBe('LIMIT_BUDGET_EXHAUSTED');
    const untilPeriodEnd = Math.ceil((Date.parse(problem.resets_at) - Date.now()) / 1000);
    expect(Math.abs(Number(refused.headers['retry-after']) - untilPeriodEnd)).toBeLessThanOrEqual(5);
    expect(refused.headers['ratelimit-reset']).toBeUndefined();
  });
});
