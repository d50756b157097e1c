import { afterEach, describe, expect, it } from 'vitest';
import {
  failingModel,
  invokeCollecting,
  scriptedModel,
} from '../../../../test/support/builtin-capability-kit.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { createClassifyCapability } from './classify.capability.ts';

const LABELS = [
  { name: 'billing', description: 'payments, invoices, refunds, charges, subscription price' },
  { name: 'bug', description: 'an error, a crash, something in the product that does not work' },
  { name: 'feature request', description: 'asking for a new feature or an improvement' },
];
const TEXT = 'I was charged twice for my subscription this month, please refund one of the payments.';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(payload: unknown) {
  if (app === undefined) throw new Error('no app');
  return app.app.inject({ method: 'POST', url: '/v1/classify', payload: payload as object });
}

describe('POST /v1/classify on the local engine', () => {
  it('classifies zero-shot with no model configured: probabilities, best first, one chosen', async () => {
    app = await buildTestApp();
    const response = await post({ text: TEXT, labels: LABELS });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      chosen: ['billing'],
      engine: 'local',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(body.labels.map((label: { name: string }) => label.name)[0]).toBe('billing');
    expect(body.labels).toHaveLength(3);
    const total = body.labels.reduce((sum: number, label: { score: number }) => sum + label.score, 0);
    expect(total).toBeCloseTo(1, 3);
  });

  it('scores labels independently with multi_label and honours top_k', async () => {
    app = await buildTestApp();
    const response = await post({
      text: 'The export button does nothing and the page crashes with an error.',
      labels: [
        {
          name: 'bug',
          examples: ['Clicking save shows an error', 'The app crashes on start', 'The button does nothing'],
        },
        { name: 'billing', examples: ['I was charged twice', 'Where is my invoice?', 'Refund my payment'] },
        {
          name: 'praise',
          examples: ['I love this product', 'Great job on the update', 'Thanks, works well'],
        },
      ],
      multi_label: true,
      top_k: 2,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.labels).toHaveLength(2);
    expect(body.labels[0].name).toBe('bug');
    expect(body.chosen).toContain('bug');
    expect(body.chosen).not.toContain('praise');
  });

  it.each([
    [{ text: TEXT, labels: [] }, '/body/labels', 'too_small'],
    [{ text: TEXT }, '/body/labels', 'invalid_type'],
    [{ text: '', labels: LABELS }, '/body/text', 'too_small'],
    [{ text: TEXT, labels: [{ name: 'a' }, { name: 'a' }] }, '/body/labels/1/name', 'custom'],
    [{ text: TEXT, labels: [{ name: 'a', colour: 'red' }] }, '/body/labels/0', 'unrecognized_keys'],
    [{ text: TEXT, labels: LABELS, top_k: 0 }, '/body/top_k', 'too_small'],
    [{ text: TEXT, labels: LABELS, multi_label: 'yes' }, '/body/multi_label', 'invalid_type'],
    [
      { text: TEXT, labels: Array.from({ length: 101 }, (_, index) => ({ name: `l${index}` })) },
      '/body/labels',
      'too_big',
    ],
  ])('rejects %j with a 400 field error at %s', async (payload, pointer, code) => {
    app = await buildTestApp();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
  });

  it('emits the result once as an object-delta, the same object the output carries', async () => {
    const { output, events } = await invokeCollecting(createClassifyCapability({ embedder: null }), {
      text: TEXT,
      labels: LABELS,
    });
    expect(events).toHaveLength(1);
    const { labels, chosen } = output as { labels: unknown; chosen: unknown };
    expect(events[0]).toEqual({ type: 'object-delta', partial: { labels, chosen } });
  });
});

describe('POST /v1/classify on a model', () => {
  it('asks for JSON-schema output, normalises single-label scores and reports the model', async () => {
    const model = scriptedModel(
      JSON.stringify({
        labels: [
          { name: 'billing', score: 0.8 },
          { name: 'bug', score: 0.1 },
          { name: 'feature request', score: 0.1 },
        ],
      }),
    );
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, labels: LABELS, top_k: 2 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      labels: [
        { name: 'billing', score: 0.8 },
        { name: 'bug', score: 0.1 },
      ],
      chosen: ['billing'],
      engine: 'model',
      model: 'mock:mock-1',
      usage: { input_tokens: 7, output_tokens: 3 },
    });
    const call = model.doGenerateCalls[0];
    expect(call?.responseFormat).toMatchObject({ type: 'json', schema: { type: 'object' } });
    expect(JSON.stringify(call?.responseFormat)).toContain('feature request');
    expect(JSON.stringify(call?.prompt)).toContain('charged twice');
  });

  it('gives labels the model left out a score of 0, and chooses by 0.5 in multi-label', async () => {
    app = await buildTestApp({
      model: scriptedModel(
        JSON.stringify({
          labels: [
            { name: 'billing', score: 0.9 },
            { name: 'bug', score: 0.6 },
          ],
        }),
      ),
    });
    const response = await post({ text: TEXT, labels: LABELS, multi_label: true });
    expect(response.json()).toMatchObject({
      labels: [
        { name: 'billing', score: 0.9 },
        { name: 'bug', score: 0.6 },
        { name: 'feature request', score: 0 },
      ],
      chosen: ['billing', 'bug'],
    });
  });

  it('re-asks once after an answer that breaks the schema, and accounts both calls', async () => {
    const model = scriptedModel(
      JSON.stringify({ labels: [{ name: 'refunds', score: 1 }] }),
      JSON.stringify({ labels: [{ name: 'billing', score: 1 }] }),
    );
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, labels: LABELS });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      chosen: ['billing'],
      usage: { input_tokens: 14, output_tokens: 6 },
    });
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(JSON.stringify(model.doGenerateCalls[1]?.prompt)).toContain(
      'not valid for the required JSON schema',
    );
  });

  it('answers 502 GATEWAY_OUTPUT_INVALID when the repairs run out', async () => {
    const model = scriptedModel('not json', 'still not json', '{"labels": "no"}');
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, labels: LABELS });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'GATEWAY_OUTPUT_INVALID', repairs: 2 });
  });

  it('maps an upstream failure to the gateway’s problem', async () => {
    app = await buildTestApp({ model: failingModel(500) });
    const response = await post({ text: TEXT, labels: LABELS });
    expect(response.statusCode).toBe(502);
    expect(response.json().code).toBe('GATEWAY_UPSTREAM_ERROR');
  });

  it('runs on the local engine when pinned with model: local', async () => {
    const model = scriptedModel();
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, labels: LABELS, model: 'local' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ engine: 'local', chosen: ['billing'] });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED for a model that is not configured', async () => {
    app = await buildTestApp({ model: scriptedModel() });
    const response = await post({ text: TEXT, labels: LABELS, model: 'nonexistent' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
  });
});
