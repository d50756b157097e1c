import { afterEach, describe, expect, it } from 'vitest';
import {
  failingModel,
  invokeCollecting,
  lastPrompt,
  respondingModel,
  scriptedModel,
} from '../../../../test/support/builtin-capability-kit.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { scoreCapability } from './score.capability.ts';

const ITEMS = [
  { id: 'sails', text: 'Mainsails are hoisted with a halyard and trimmed with the mainsheet.' },
  {
    id: 'keel',
    text: 'The keel resists leeway: water pressure on its sides stops the hull drifting sideways.',
  },
  { id: 'board', text: 'A centreboard is a retractable keel used on dinghies.' },
];
const QUERY = 'how does a keel stop a boat drifting sideways';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(payload: unknown) {
  if (app === undefined) throw new Error('no app');
  return app.app.inject({ method: 'POST', url: '/v1/score', payload: payload as object });
}

/** A judge that reads each batch's numbered items from the prompt and scores those mentioning "keel". */
function keelJudge() {
  return respondingModel((options) => {
    const items = [...lastPrompt(options).matchAll(/^\[(\d+)\] (.*)$/gmu)];
    return JSON.stringify({
      scores: items.map(([, number, text]) => ({
        item: Number(number),
        score: text?.includes('keel') ? 0.9 : 0.1,
      })),
    });
  });
}

describe('POST /v1/score on the local engine', () => {
  it('scores and ranks every item with no model configured', async () => {
    app = await buildTestApp();
    const response = await post({ query: QUERY, items: ITEMS });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      engine: 'local',
      model: 'bm25',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(body.scores.map((entry: { id: string }) => entry.id)).toEqual(['keel', 'board', 'sails']);
    expect(body.scores.map((entry: { rank: number }) => entry.rank)).toEqual([1, 2, 3]);
    for (const entry of body.scores) {
      expect(entry.score).toBeGreaterThanOrEqual(0);
      expect(entry.score).toBeLessThanOrEqual(1);
      expect(Object.keys(entry).sort()).toEqual(['id', 'rank', 'score']);
    }
  });

  it('accepts 1,000 items', async () => {
    app = await buildTestApp();
    const items = Array.from({ length: 1_000 }, (_, index) => ({
      id: `i${index}`,
      text: `item ${index} about keel ${index % 7}`,
    }));
    const response = await post({ query: 'keel 3', items });
    expect(response.statusCode).toBe(200);
    expect(response.json().scores).toHaveLength(1_000);
  });

  it.each([
    [{ query: QUERY, items: [] }, '/body/items', 'too_small'],
    [{ query: QUERY }, '/body/items', 'invalid_type'],
    [{ query: '', items: ITEMS }, '/body/query', 'too_small'],
    [
      {
        query: QUERY,
        items: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      },
      '/body/items/1/id',
      'custom',
    ],
    [{ query: QUERY, items: [{ id: 'a', text: '' }] }, '/body/items/0/text', 'too_small'],
    [{ query: QUERY, items: [{ id: '', text: 'x' }] }, '/body/items/0/id', 'too_small'],
    [
      { query: QUERY, items: Array.from({ length: 1_001 }, (_, index) => ({ id: `${index}`, text: 'x' })) },
      '/body/items',
      'too_big',
    ],
  ])('rejects invalid input #%# with a 400 field error', async (payload, pointer, code) => {
    app = await buildTestApp();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
  });
});

describe('POST /v1/score on a model', () => {
  it('judges items in batches of 20 through JSON-schema output and ranks them, ties in input order', async () => {
    const model = keelJudge();
    app = await buildTestApp({ model });
    const items = Array.from({ length: 45 }, (_, index) => ({
      id: `i${index}`,
      text: index % 10 === 3 ? `passage ${index} on the keel` : `passage ${index} on sails`,
    }));
    const response = await post({ query: QUERY, items });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(model.doGenerateCalls).toHaveLength(3);
    expect(model.doGenerateCalls[0]?.responseFormat).toMatchObject({
      type: 'json',
      schema: { type: 'object' },
    });
    expect(body).toMatchObject({
      engine: 'model',
      model: 'mock:mock-1',
      usage: { input_tokens: 21, output_tokens: 9 },
    });
    expect(body.scores.slice(0, 5)).toEqual([
      { id: 'i3', score: 0.9, rank: 1 },
      { id: 'i13', score: 0.9, rank: 2 },
      { id: 'i23', score: 0.9, rank: 3 },
      { id: 'i33', score: 0.9, rank: 4 },
      { id: 'i43', score: 0.9, rank: 5 },
    ]);
    expect(body.scores[5]).toEqual({ id: 'i0', score: 0.1, rank: 6 });
    expect(body.scores).toHaveLength(45);
  });

  it('reports progress per batch and emits the ranking once', async () => {
    const items = Array.from({ length: 25 }, (_, index) => ({ id: `i${index}`, text: `keel ${index}` }));
    const { output, events, progress } = await invokeCollecting(
      scoreCapability,
      { query: QUERY, items },
      keelJudge(),
    );
    expect(progress).toEqual([0.5, 1]);
    expect(events).toEqual([
      { type: 'object-delta', partial: { scores: (output as { scores: unknown }).scores } },
    ]);
  });

  it('re-asks a batch whose answer leaves an item out', async () => {
    const model = scriptedModel(
      JSON.stringify({ scores: [{ item: 1, score: 0.2 }] }),
      JSON.stringify({
        scores: [
          { item: 1, score: 0.2 },
          { item: 2, score: 0.7 },
        ],
      }),
    );
    app = await buildTestApp({ model });
    const response = await post({ query: QUERY, items: ITEMS.slice(0, 2) });
    expect(response.statusCode).toBe(200);
    expect(response.json().scores).toEqual([
      { id: 'keel', score: 0.7, rank: 1 },
      { id: 'sails', score: 0.2, rank: 2 },
    ]);
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain('no score for items 2');
  });

  it('maps an upstream failure to the gateway’s problem', async () => {
    app = await buildTestApp({ model: failingModel(500) });
    const response = await post({ query: QUERY, items: ITEMS });
    expect(response.statusCode).toBe(502);
    expect(response.json().code).toBe('GATEWAY_UPSTREAM_ERROR');
  });

  it('runs on the local engine when pinned with model: local', async () => {
    const model = scriptedModel();
    app = await buildTestApp({ model });
    const response = await post({ query: QUERY, items: ITEMS, model: 'local' });
    expect(response.json()).toMatchObject({ engine: 'local' });
    expect(response.json().scores[0]).toMatchObject({ id: 'keel', rank: 1 });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED for a model that is not configured', async () => {
    app = await buildTestApp({ model: scriptedModel() });
    const response = await post({ query: QUERY, items: ITEMS, model: 'nonexistent' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
  });
});
