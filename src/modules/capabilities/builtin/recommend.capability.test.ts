import { afterEach, describe, expect, it } from 'vitest';
import {
  failingModel,
  lastPrompt,
  respondingModel,
  scriptedModel,
} from '../../../../test/support/builtin-capability-kit.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { shortlistSize } from './recommend.capability.ts';

const ITEMS = [
  { id: 'a1', text: 'Antifouling your hull before the sailing season' },
  { id: 'a2', text: 'Checking keel bolts for corrosion on a sailing boat' },
  { id: 'a3', text: 'Ten recipes for a one-pot dinner' },
  { id: 'a4', text: 'Heavy-weather tactics for offshore sailing passages' },
  { id: 'a5', text: 'Growing tomatoes on a balcony' },
];

/** 30 articles: every third is about sailing. */
const MANY = Array.from({ length: 30 }, (_, index) => ({
  id: `m${index}`,
  text:
    index % 3 === 0
      ? `Sailing guide part ${index}: keel, hull and rigging`
      : `Cooking note ${index}: soups and bread`,
}));

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(payload: unknown) {
  if (app === undefined) throw new Error('no app');
  return app.app.inject({ method: 'POST', url: '/v1/recommend', payload: payload as object });
}

function picks(...items: Array<[number, number, string]>): string {
  return JSON.stringify({ items: items.map(([item, score, reason]) => ({ item, score, reason })) });
}

describe('POST /v1/recommend on the local engine', () => {
  it('recommends for a profile with no model configured, never the liked items, each with a reason', async () => {
    app = await buildTestApp();
    const response = await post({
      profile: { text: 'sailing boat maintenance', liked_ids: ['a1'] },
      items: ITEMS,
      k: 2,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ engine: 'local', usage: { input_tokens: 0, output_tokens: 0 } });
    expect(body.items).toHaveLength(2);
    const ids = body.items.map((item: { id: string }) => item.id);
    expect(ids).not.toContain('a1');
    expect(ids[0]).toBe('a2');
    for (const item of body.items) {
      expect(item.reason.length).toBeGreaterThan(0);
      expect(item.score).toBeGreaterThanOrEqual(0);
      expect(item.score).toBeLessThanOrEqual(1);
    }
  });

  it('recommends for a query, k defaulting to 10 (at most the items there are)', async () => {
    app = await buildTestApp();
    const response = await post({ query: 'offshore sailing', items: ITEMS });
    expect(response.statusCode).toBe(200);
    expect(response.json().items[0].id).toBe('a4');
    expect(response.json().items.length).toBeLessThanOrEqual(ITEMS.length);
  });

  it.each([
    [{ items: ITEMS }, '/body/query', 'custom'],
    [{ profile: {}, items: ITEMS }, '/body/query', 'custom'],
    [{ profile: { liked_ids: ['zz'] }, items: ITEMS }, '/body/profile/liked_ids/0', 'custom'],
    [{ query: 'x', items: ITEMS, k: 0 }, '/body/k', 'too_small'],
    [{ query: 'x', items: ITEMS, diversity: 2 }, '/body/diversity', 'too_big'],
    [
      {
        query: 'x',
        items: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      },
      '/body/items/1/id',
      'custom',
    ],
    [{ query: 'x', items: [] }, '/body/items', 'too_small'],
    [{ query: 'x', items: ITEMS, profile: { likes: [] } }, '/body/profile', 'unrecognized_keys'],
  ])('rejects invalid input #%# with a 400 field error', async (payload, pointer, code) => {
    app = await buildTestApp();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
  });
});

describe('POST /v1/recommend on a model', () => {
  it('lets the model choose k of a local shortlist, with its scores and reasons', async () => {
    const model = respondingModel((options) => {
      // Pick the first three listed candidates that mention sailing.
      const listed = [...lastPrompt(options).matchAll(/^\[(\d+)\] (.*)$/gmu)];
      const sailing = listed.filter(([, , text]) => text?.includes('Sailing')).slice(0, 3);
      return picks(
        ...sailing.map(([, number], index): [number, number, string] => [
          Number(number),
          0.9 - index / 10,
          `Sailing pick ${index + 1}`,
        ]),
      );
    });
    app = await buildTestApp({ model });
    const response = await post({ query: 'sailing keel', items: MANY, k: 3, diversity: 0.6 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      engine: 'model',
      model: 'mock:mock-1',
      usage: { input_tokens: 7, output_tokens: 3 },
    });
    expect(body.items).toHaveLength(3);
    expect(body.items.map((item: { score: number }) => item.score)).toEqual([0.9, 0.8, 0.7]);
    expect(body.items.map((item: { reason: string }) => item.reason)).toEqual([
      'Sailing pick 1',
      'Sailing pick 2',
      'Sailing pick 3',
    ]);
    for (const item of body.items) expect(Number(item.id.slice(1)) % 3).toBe(0);
    const prompt = lastPrompt(model.doGenerateCalls[0] as never);
    expect([...prompt.matchAll(/^\[\d+\] /gmu)]).toHaveLength(shortlistSize(3, 30));
    expect(prompt).toContain('Recommend exactly 3');
    expect(prompt).toContain('varied');
    expect(model.doGenerateCalls[0]?.responseFormat).toMatchObject({
      type: 'json',
      schema: { type: 'object' },
    });
  });

  it('shows the model the liked items and never offers them as candidates', async () => {
    const model = scriptedModel(picks([1, 0.8, 'Like your hull article']));
    app = await buildTestApp({ model });
    const response = await post({ profile: { liked_ids: ['a1'] }, items: ITEMS, k: 1 });
    expect(response.statusCode).toBe(200);
    expect(response.json().items[0].id).not.toBe('a1');
    const prompt = lastPrompt(model.doGenerateCalls[0] as never);
    expect(prompt).toContain('The user liked:\n- Antifouling your hull');
    expect([...prompt.matchAll(/^\[\d+\] /gmu)]).toHaveLength(4);
  });

  it('re-asks when the answer does not hold exactly k distinct candidates', async () => {
    const model = scriptedModel(
      picks([1, 0.9, 'first'], [1, 0.9, 'again']),
      picks([1, 0.9, 'first'], [2, 0.5, 'second']),
    );
    app = await buildTestApp({ model });
    const response = await post({ query: 'sailing', items: ITEMS, k: 2 });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((item: { reason: string }) => item.reason)).toEqual(['first', 'second']);
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain('recommended twice');
  });

  it('maps an upstream failure to the gateway’s problem', async () => {
    app = await buildTestApp({ model: failingModel(429) });
    const response = await post({ query: 'sailing', items: ITEMS, k: 2 });
    expect(response.statusCode).toBe(429);
    expect(response.json().code).toBe('GATEWAY_RATE_LIMITED');
  });

  it('runs on the local engine when pinned with model: local', async () => {
    const model = scriptedModel();
    app = await buildTestApp({ model });
    const response = await post({ query: 'offshore sailing', items: ITEMS, k: 2, model: 'local' });
    expect(response.json()).toMatchObject({ engine: 'local' });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED for a model that is not configured', async () => {
    app = await buildTestApp({ model: scriptedModel() });
    const response = await post({ query: 'sailing', items: ITEMS, model: 'nonexistent' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
  });
});
