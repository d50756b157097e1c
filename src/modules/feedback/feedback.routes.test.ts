import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { mergeCorrection } from './feedback.service.ts';

// Issue 22 item 4: a correction names what was wrong; Keel merges it into the recorded output.

let app: TestApp;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => app?.close());

async function classify(requestId: string) {
  const response = await app.app.inject({
    method: 'POST',
    url: '/v1/classify',
    headers: { 'x-request-id': requestId },
    payload: {
      text: 'I was charged twice, please refund one payment.',
      labels: [{ name: 'billing', description: 'payments, refunds' }, { name: 'bug' }],
    },
  });
  expect(response.statusCode).toBe(200);
  return response.json() as Record<string, unknown>;
}

function feedback(payload: Record<string, unknown>) {
  return app.app.inject({ method: 'POST', url: '/v1/feedback', payload });
}

describe('POST /v1/feedback with a correction', () => {
  it('merges a partial correction into the recorded output and stores the complete result', async () => {
    const recorded = await classify('partial-correction-1');
    expect(recorded.engine).toBe('local');
    const given = await feedback({ request_id: 'partial-correction-1', correction: { chosen: ['bug'] } });
    expect(given.statusCode).toBe(201);
    const expected = { ...recorded, chosen: ['bug'] };
    expect(given.json().correction).toEqual(expected);
    // What is stored is the merged output, engine, model and usage included.
    const stored = await app.app.inject({ method: 'GET', url: `/v1/feedback/${given.json().id}` });
    expect(stored.json().correction).toEqual(expected);
  });

  it('merges nested objects member by member', async () => {
    const recorded = await classify('partial-correction-2');
    const given = await feedback({
      request_id: 'partial-correction-2',
      correction: { engine: 'model', usage: { output_tokens: 0 } },
    });
    expect(given.statusCode).toBe(201);
    expect(given.json().correction).toEqual({
      ...recorded,
      engine: 'model',
      usage: { ...(recorded.usage as object), output_tokens: 0 },
    });
  });

  it('answers 400 with field errors when the merged output breaks the output schema, and stores nothing', async () => {
    await classify('partial-correction-3');
    const before = (
      await app.app.inject({ method: 'GET', url: '/v1/feedback?request_id=partial-correction-3' })
    ).json().items.length;
    const invalid = await feedback({
      request_id: 'partial-correction-3',
      correction: { engine: 'oracle', labels: [{ name: 'billing', score: 3 }] },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = invalid.json();
    expect(problem.code).toBe('FEEDBACK_CORRECTION_INVALID');
    expect(problem.errors.map((error: { pointer: string }) => error.pointer).sort()).toEqual([
      '/body/correction/engine',
      '/body/correction/labels/0/score',
    ]);
    // A null member removes a required field: the merged output is incomplete.
    const removed = await feedback({ request_id: 'partial-correction-3', correction: { model: null } });
    expect(removed.statusCode).toBe(400);
    expect(removed.json().errors[0].pointer).toBe('/body/correction/model');
    const after = (
      await app.app.inject({ method: 'GET', url: '/v1/feedback?request_id=partial-correction-3' })
    ).json().items.length;
    expect(after).toBe(before);
  });
});

describe('mergeCorrection (JSON Merge Patch)', () => {
  it('merges objects, replaces arrays and scalars, removes null members', () => {
    expect(
      mergeCorrection({ a: 1, b: { c: 2, d: [1, 2] }, e: 'x' }, { b: { d: [3] }, e: null, f: { g: true } }),
    ).toEqual({ a: 1, b: { c: 2, d: [3] }, f: { g: true } });
  });

  it('lets a correction stand alone when there is no recorded object to merge into', () => {
    expect(mergeCorrection(null, { label: 'billing' })).toEqual({ label: 'billing' });
    expect(mergeCorrection({ label: 'bug' }, ['not', 'an', 'object'])).toEqual(['not', 'an', 'object']);
  });
});
