import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { answerCapability, gatewayOf, textResult } from '../../../test/support/variant-models.ts';

let app: TestApp;
let good: MockLanguageModelV4;
let terse: MockLanguageModelV4;

beforeEach(async () => {
  good = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'good',
    doGenerate: textResult('{"answer":"long"}'),
  });
  terse = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'terse',
    doGenerate: textResult('{"answer":"short"}'),
  });
  app = await buildTestApp({
    gateway: gatewayOf({ good, terse }, 'good'),
    extraCapabilities: [answerCapability],
  });
});
afterEach(async () => app.close());

const base = '/v1/admin/capabilities/answer-json';

async function call(subject: string) {
  const response = await app.app.inject({
    method: 'POST',
    url: '/v1/answer-json',
    headers: { 'keel-subject': subject },
    payload: { question: 'How long?' },
  });
  return {
    status: response.statusCode,
    variant: response.headers['keel-variant'],
    body: response.json(),
    id: String(response.headers['x-request-id']),
  };
}

async function createVariants() {
  const first = await app.app.inject({
    method: 'POST',
    url: `${base}/variants`,
    payload: { model: 'mock:good', description: 'the current prompt' },
  });
  const second = await app.app.inject({
    method: 'POST',
    url: `${base}/variants`,
    payload: { model: 'mock:terse', instructions: 'Answer in one word.', settings: { temperature: 0.1 } },
  });
  return [first, second];
}

describe('variants over the admin API', () => {
  it('creates immutable numbered variants and lists them; unknown capabilities and versions are 404', async () => {
    const [first, second] = await createVariants();
    expect(first?.statusCode).toBe(201);
    expect(first?.json()).toMatchObject({
      id: 'answer-json@1',
      version: 1,
      model: 'mock:good',
      source: 'api',
      instructions: null,
    });
    expect(second?.json()).toMatchObject({ id: 'answer-json@2', settings: { temperature: 0.1 } });
    const list = await app.app.inject({ method: 'GET', url: `${base}/variants` });
    expect(list.json().items.map((variant: { id: string }) => variant.id)).toEqual([
      'answer-json@1',
      'answer-json@2',
    ]);
    expect((await app.app.inject({ method: 'GET', url: `${base}/variants/2` })).json().instructions).toBe(
      'Answer in one word.',
    );
    expect((await app.app.inject({ method: 'GET', url: `${base}/variants/9` })).json().code).toBe(
      'VARIANT_NOT_FOUND',
    );
    const unknown = await app.app.inject({
      method: 'POST',
      url: '/v1/admin/capabilities/nope/variants',
      payload: {},
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'VARIANT_CAPABILITY_NOT_FOUND']);
  });

  it('refuses a canary without a stable variant, a duplicate version, and a stale revision', async () => {
    await createVariants();
    const noStable = await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: null, canary: { version: 2, percent: 10 } },
    });
    expect([noStable.statusCode, noStable.json().code]).toEqual([400, 'VARIANT_POLICY_INVALID']);
    const same = await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: 1, canary: { version: 1, percent: 10 } },
    });
    expect(same.json().code).toBe('VARIANT_POLICY_INVALID');
    const saved = await app.app.inject({ method: 'PUT', url: `${base}/traffic`, payload: { stable: 1 } });
    expect(saved.json()).toMatchObject({ stable: 'answer-json@1', canary: null, revision: 1 });
    const stale = await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: 2, revision: 0 },
    });
    expect([stale.statusCode, stale.json().code]).toEqual([409, 'VARIANT_POLICY_CONFLICT']);
  });

  it('routes a sticky canary share, names the variant in the header, the request log and model calls', async () => {
    // Without a policy, no variant serves and none is named.
    expect((await call('before')).variant).toBeUndefined();
    await createVariants();
    await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: 1, canary: { version: 2, percent: 30 } },
    });
    const calls = [];
    for (let index = 0; index < 60; index++) calls.push(await call(`user-${index}`));
    const byVariant = Object.groupBy(calls, (each) => String(each.variant));
    expect(Object.keys(byVariant).sort()).toEqual(['answer-json@1', 'answer-json@2']);
    for (const each of byVariant['answer-json@1'] ?? []) expect(each.body).toEqual({ answer: 'long' });
    for (const each of byVariant['answer-json@2'] ?? []) expect(each.body).toEqual({ answer: 'short' });
    // The canary's instructions and settings reach the model; stable's model got none.
    expect(terse.doGenerateCalls[0]?.prompt[0]).toEqual({ role: 'system', content: 'Answer in one word.' });
    expect(terse.doGenerateCalls[0]?.temperature).toBe(0.1);
    expect(good.doGenerateCalls.at(-1)?.prompt[0]?.role).toBe('user');
    // Sticky: a subject keeps its variant.
    for (const each of calls.slice(0, 10))
      expect((await call(`user-${calls.indexOf(each)}`)).variant).toBe(each.variant);
    const sample = byVariant['answer-json@2']?.[0];
    await app.writer.flush();
    await app.modelCallWriter.flush();
    const logged = await app.app.inject({ method: 'GET', url: `/v1/requests/${sample?.id}` });
    expect(logged.json().variant).toBe('answer-json@2');
    const modelCalls = await app.app.inject({
      method: 'GET',
      url: `/v1/model-calls?request_id=${sample?.id}`,
    });
    expect(modelCalls.json().items.map((item: { variant: string }) => item.variant)).toEqual([
      'answer-json@2',
    ]);
  });

  it('promotes and rolls back in one call each, with events; feedback counts for the variant that served', async () => {
    await createVariants();
    await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: { stable: 1, canary: { version: 2, percent: 100 } },
    });
    const served = await call('someone');
    expect(served.variant).toBe('answer-json@2');
    await app.writer.flush();
    const feedback = await app.app.inject({
      method: 'POST',
      url: '/v1/feedback',
      payload: { request_id: served.id, rating: 'up' },
    });
    expect(feedback.statusCode).toBe(201);
    const comparison = (await app.app.inject({ method: 'GET', url: `${base}/comparison` })).json();
    const canary = comparison.variants.find((row: { role: string }) => row.role === 'canary');
    expect(canary).toMatchObject({ variant: 'answer-json@2', calls: 1, rating: { n: 1, mean: 1 } });

    const promoted = await app.app.inject({ method: 'POST', url: `${base}/promote`, payload: {} });
    expect(promoted.json().policy).toMatchObject({ stable: 'answer-json@2', canary: null });
    expect(promoted.json().event).toMatchObject({
      type: 'promoted',
      variant: 'answer-json@2',
      details: { from: 1, to: 2 },
    });
    expect((await call('someone-else')).variant).toBe('answer-json@2');

    const rolledBack = await app.app.inject({ method: 'POST', url: `${base}/rollback`, payload: {} });
    expect(rolledBack.json().policy).toMatchObject({ stable: 'answer-json@1' });
    expect((await call('someone-else')).variant).toBe('answer-json@1');
    const events = (await app.app.inject({ method: 'GET', url: `${base}/variant-events` })).json().items;
    expect(events.map((event: { type: string }) => event.type)).toEqual([
      'rolled-back',
      'promoted',
      'traffic-changed',
    ]);
    const nothing = await app.app.inject({ method: 'POST', url: `${base}/promote`, payload: {} });
    expect(nothing.json().code).toBe('VARIANT_POLICY_INVALID');
  });

  it("serves a built-in capability's model path from its stable variant: model, instructions, temperature", async () => {
    await app.app.inject({
      method: 'POST',
      url: '/v1/admin/capabilities/summarize/variants',
      payload: {
        model: 'mock:terse',
        instructions: 'Summarise for an executive.',
        settings: { temperature: 0.3 },
      },
    });
    await app.app.inject({
      method: 'PUT',
      url: '/v1/admin/capabilities/summarize/traffic',
      payload: { stable: 1 },
    });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/summarize',
      payload: { text: 'A keel keeps a boat upright. It also stops it sliding sideways.' },
    });
    expect([response.statusCode, response.headers['keel-variant']]).toEqual([200, 'summarize@1']);
    expect(response.json()).toMatchObject({ engine: 'model', model: 'mock:terse' });
    expect(terse.doGenerateCalls[0]?.prompt[0]).toEqual({
      role: 'system',
      content: 'Summarise for an executive.',
    });
    expect(terse.doGenerateCalls[0]?.temperature).toBe(0.3);
    expect(good.doGenerateCalls).toHaveLength(0);
  });

  it("rolls a canary back on a live scorer's mean (scored after the response), with the score compared", async () => {
    await createVariants();
    const policy = await app.app.inject({
      method: 'PUT',
      url: `${base}/traffic`,
      payload: {
        stable: 1,
        canary: { version: 2, percent: 50 },
        auto_rollback: {
          min_samples: 8,
          scorer: { name: 'regex', options: { field: 'answer', pattern: '^long$' }, max_drop: 0.2 },
        },
      },
    });
    expect(policy.json().auto_rollback.scorer).toMatchObject({
      name: 'regex',
      max_drop: 0.2,
      sample_rate: 1,
    });
    for (let index = 0; index < 80; index++) {
      const served = await call(`scored-${index}`);
      expect(served.status).toBe(200);
      await app.variants.service.settle();
      if ((await app.app.inject({ method: 'GET', url: `${base}/traffic` })).json().canary === null) break;
    }
    await vi.waitFor(async () => {
      const events = (await app.app.inject({ method: 'GET', url: `${base}/variant-events` })).json().items;
      expect(events[0]).toMatchObject({
        type: 'auto-rolled-back',
        variant: 'answer-json@2',
        details: { metric: 'score' },
      });
    });
    const comparison = (await app.app.inject({ method: 'GET', url: `${base}/comparison` })).json();
    const byRole = Object.fromEntries(comparison.variants.map((row: { role: string }) => [row.role, row]));
    expect(byRole.stable.score.mean).toBe(1);
    expect(byRole.canary.score.mean).toBe(0);
    expect(byRole.canary.error_rate.mean).toBe(0);
  });
});
