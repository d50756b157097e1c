import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { answerCapability, gatewayOf, textResult } from '../../../test/support/variant-models.ts';

/**
 * Shadows run after the response, as jobs: while every shadow run is held inside its model call, the
 * callers already have their answers (no latency added); the shadow's failures and its token usage never
 * reach the caller's response or the caller's limits.
 */
let app: TestApp;
let url: string;
let shadowStarted = 0;
let release: () => void;

beforeEach(async () => {
  shadowStarted = 0;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const good = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'good',
    doGenerate: textResult('{"answer":"stable"}', 7, 3),
  });
  const shadow = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'shadow',
    doGenerate: async () => {
      shadowStarted += 1;
      const run = shadowStarted;
      await held;
      if (run % 2 === 0) throw new Error('the shadow provider is down');
      // Far more tokens than the caller's limit allows: they must count against the shadow, not the caller.
      return textResult('{"answer":"shadow says something else"}', 3_000, 1_000);
    },
  });
  app = await buildTestApp({
    gateway: gatewayOf({ good, shadow }, 'good'),
    extraCapabilities: [answerCapability],
    defaultLimits: { tokensPerMinute: 5_000 },
  });
  url = await app.app.listen({ host: '127.0.0.1', port: 0 });
  for (const model of ['mock:good', 'mock:shadow']) {
    await app.app.inject({
      method: 'POST',
      url: '/v1/admin/capabilities/answer-json/variants',
      payload: { model },
    });
  }
});
afterEach(async () => {
  release();
  await app.close();
});

async function call(subject: string) {
  const response = await fetch(`${url}/v1/answer-json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'keel-subject': subject },
    body: JSON.stringify({ question: 'What is a keel?' }),
  });
  return {
    status: response.status,
    variant: response.headers.get('keel-variant'),
    body: await response.json(),
  };
}

async function traffic(body: Record<string, unknown>) {
  const response = await app.app.inject({
    method: 'PUT',
    url: '/v1/admin/capabilities/answer-json/traffic',
    payload: body,
  });
  expect(response.statusCode).toBe(200);
}

describe('shadow traffic', () => {
  it("never changes the caller's response, latency or limits, and a failing shadow never surfaces", async () => {
    await traffic({ stable: 1 });
    const baseline = await call('user-0');
    expect(baseline).toEqual({ status: 200, variant: 'answer-json@1', body: { answer: 'stable' } });

    await traffic({ stable: 1, shadows: [{ version: 2, sample_rate: 1 }] });
    // Every caller gets its answer while the shadow runs are still held inside their model call.
    const answers = [];
    for (let index = 1; index <= 6; index++) answers.push(await call(`user-${index}`));
    for (const answer of answers) expect(answer).toEqual(baseline);
    await vi.waitFor(() => expect(shadowStarted).toBe(6), { timeout: 10_000 });

    // Let them finish: three succeed with 4 000 tokens each, three fail.
    release();
    await vi.waitFor(
      async () => {
        const comparison = await app.app.inject({
          method: 'GET',
          url: '/v1/admin/capabilities/answer-json/comparison',
        });
        const shadow = comparison.json().variants.find((row: { role: string }) => row.role === 'shadow');
        expect(shadow?.calls).toBe(6);
      },
      { timeout: 10_000 },
    );
    const comparison = (
      await app.app.inject({ method: 'GET', url: '/v1/admin/capabilities/answer-json/comparison' })
    ).json();
    const shadow = comparison.variants.find((row: { role: string }) => row.role === 'shadow');
    expect(shadow).toMatchObject({
      variant: 'answer-json@2',
      error_rate: { n: 6, mean: 0.5 },
      agreement: { n: 3 },
    });
    expect(shadow.agreement.mean).toBeLessThan(1);
    const stable = comparison.variants.find((row: { role: string }) => row.role === 'stable');
    expect(stable).toMatchObject({ calls: 7, error_rate: { mean: 0 } });

    // 12 000 shadow tokens would have exhausted the caller's 5 000 tokens a minute: the caller is still served.
    for (let index = 7; index <= 10; index++) expect(await call(`user-${index}`)).toEqual(baseline);
    await app.modelCallWriter.flush();
    const calls = (await app.modelCallStore.list('default', { limit: 100 })).items;
    const shadowCalls = calls.filter((item) => item.variant === 'answer-json@2');
    expect(shadowCalls).toHaveLength(6);
    expect(new Set(shadowCalls.map((item) => item.subject))).toEqual(new Set(['shadow:answer-json']));
    expect(
      calls.filter((item) => item.variant === 'answer-json@1').every((item) => item.subject === 'local'),
    ).toBe(true);
  });
});
