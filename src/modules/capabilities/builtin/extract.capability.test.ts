import { afterEach, describe, expect, it } from 'vitest';
import {
  failingModel,
  invokeCollecting,
  scriptedModel,
} from '../../../../test/support/builtin-capability-kit.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { createExtractCapability, extractCapability, relaxedSchema } from './extract.capability.ts';

const TEXT =
  'Invoice INV-2041\nCustomer: Acme Corp\nContact: billing@acme.example\nTotal: $1,250.00\nDue: 2026-12-15\nPaid: no';

const SCHEMA = {
  type: 'object',
  properties: {
    customer: { type: 'string' },
    email: { type: ['string', 'null'], format: 'email' },
    total: { type: 'number' },
    due_date: { type: ['string', 'null'], format: 'date' },
    paid: { type: 'boolean' },
    po_number: { type: ['string', 'null'] },
  },
  required: ['customer', 'email', 'total', 'due_date', 'paid', 'po_number'],
};

const NESTED = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    address: {
      type: 'object',
      properties: { city: { type: ['string', 'null'] }, zip: { type: 'string' } },
      required: ['city'],
    },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name', 'address'],
};

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function post(payload: unknown) {
  if (app === undefined) throw new Error('no app');
  return app.app.inject({ method: 'POST', url: '/v1/extract', payload: payload as object });
}

describe('POST /v1/extract on the local engine', () => {
  it('fills the schema with no model configured and lists what the text does not state', async () => {
    app = await buildTestApp();
    const response = await post({ text: TEXT, schema: SCHEMA });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      data: {
        customer: 'Acme Corp',
        email: 'billing@acme.example',
        total: 1250,
        due_date: '2026-12-15',
        paid: false,
        po_number: null,
      },
      missing: ['/po_number'],
      evidence: expect.any(Object),
      engine: 'local',
      model: 'rules',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    // Every value carries the span it was read from.
    const { evidence } = response.json() as {
      evidence: Record<string, { start: number; end: number; quote: string; confidence: number }>;
    };
    expect(Object.keys(evidence).sort()).toEqual(['/customer', '/due_date', '/email', '/paid', '/total']);
    for (const span of Object.values(evidence)) {
      expect(TEXT.slice(span.start, span.end)).toBe(span.quote);
      expect(span.confidence).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('refuses an unsupported schema with 422 and one error per place, before any model call', async () => {
    const model = scriptedModel();
    app = await buildTestApp({ model });
    const response = await post({
      text: TEXT,
      schema: { type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'number' }] } } },
    });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.code).toBe('LOCAL_ENGINE_SCHEMA_UNSUPPORTED');
    expect(problem.errors[0].pointer).toContain('/properties/a');
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it.each([
    [{ text: TEXT }, '/body/schema', 'invalid_type'],
    [{ text: TEXT, schema: ['type'] }, '/body/schema', 'invalid_type'],
    [{ text: '', schema: SCHEMA }, '/body/text', 'too_small'],
    [{ text: TEXT, schema: SCHEMA, instructions: '' }, '/body/instructions', 'too_small'],
    [{ text: TEXT, schema: SCHEMA, format: 'json' }, '/body', 'unrecognized_keys'],
  ])('rejects %j with a 400 field error at %s', async (payload, pointer, code) => {
    app = await buildTestApp();
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem.code).toBe('REQUEST_VALIDATION_FAILED');
    expect(problem.errors).toContainEqual(expect.objectContaining({ pointer, code }));
  });

  it('serves the documented example exactly', async () => {
    const example = extractCapability.examples?.[0];
    if (example?.output === undefined) throw new Error('the example documents its output');
    const { output } = await invokeCollecting(createExtractCapability({ embedder: null }), example.input);
    expect(output).toEqual(example.output);
  });

  it('emits the result once as an object-delta', async () => {
    const { output, events } = await invokeCollecting(createExtractCapability({ embedder: null }), {
      text: TEXT,
      schema: SCHEMA,
    });
    const { data, missing } = output as { data: unknown; missing: unknown };
    expect(events).toEqual([{ type: 'object-delta', partial: { data, missing } }]);
  });
});

describe('POST /v1/extract on a model', () => {
  it('asks for the schema with nothing required, and fills what the model left out like the local engine', async () => {
    const model = scriptedModel(
      JSON.stringify({ customer: 'Acme Corp', total: 1250, paid: false, email: null }),
    );
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, schema: SCHEMA, instructions: 'Amounts in dollars.' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      data: { customer: 'Acme Corp', total: 1250, paid: false, email: null, due_date: null, po_number: null },
      missing: ['/email', '/due_date', '/po_number'],
      evidence: {
        '/customer': { start: 27, end: 36, quote: 'Acme Corp', confidence: 0.5 },
        '/total': { start: 74, end: 83, quote: '$1,250.00', confidence: 0.5 },
      },
      unsupported: [],
      engine: 'model',
      model: 'mock:mock-1',
      usage: { input_tokens: 7, output_tokens: 3 },
    });
    const call = model.doGenerateCalls[0];
    expect(call?.responseFormat).toMatchObject({ type: 'json', schema: { type: 'object' } });
    expect(JSON.stringify(call?.responseFormat)).not.toContain('"required"');
    expect(JSON.stringify(call?.prompt)).toContain('Amounts in dollars.');
  });

  it.each([
    { option: 'flag', customer: 'Globex Inc', total: 9999, missing: ['/email', '/due_date', '/po_number'] },
    {
      option: 'drop',
      customer: '',
      total: 0,
      missing: ['/email', '/due_date', '/po_number', '/customer', '/total'],
    },
  ] as const)(
    'checks a model’s values against the text: unsupported ones are listed ($option)',
    async ({ option, customer, total, missing }) => {
      // Values the text does not contain: an invented customer and total.
      app = await buildTestApp({
        model: scriptedModel(JSON.stringify({ customer: 'Globex Inc', total: 9999, paid: false })),
      });
      const response = await post({ text: TEXT, schema: SCHEMA, unsupported: option });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.unsupported).toEqual(['/customer', '/total']);
      expect(body.data).toMatchObject({ customer, total, paid: false });
      expect(body.missing).toEqual(missing);
      expect(body.evidence).toEqual({});
    },
  );

  it('reports nested missing fields by pointer and drops properties the schema closes', async () => {
    app = await buildTestApp({
      model: scriptedModel(JSON.stringify({ name: 'Ada', address: { zip: '10115' }, tags: ['a'], extra: 1 })),
    });
    const response = await post({ text: 'Ada lives in Berlin.', schema: NESTED });
    expect(response.json()).toMatchObject({
      data: { name: 'Ada', address: { zip: '10115', city: null }, tags: ['a'] },
      missing: ['/address/city'],
    });
    expect(response.json().data).not.toHaveProperty('extra');
  });

  it('re-asks when the answer breaks the user’s schema, with the issues', async () => {
    const model = scriptedModel(
      JSON.stringify({ customer: 'Acme Corp', total: 'lots', paid: false }),
      JSON.stringify({ customer: 'Acme Corp', total: 1250, paid: false, due_date: '2026-12-15' }),
    );
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, schema: SCHEMA });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ data: { total: 1250, due_date: '2026-12-15' } });
    expect(model.doGenerateCalls).toHaveLength(2);
    const repair = JSON.stringify(model.doGenerateCalls[1]?.prompt);
    expect(repair).toContain('total');
    expect(repair).toContain('must be number');
  });

  it('validates formats: a date that is not a date is re-asked, never passed on', async () => {
    const bad = JSON.stringify({ customer: 'Acme', total: 1, paid: true, due_date: 'next Friday' });
    app = await buildTestApp({ model: scriptedModel(bad, bad, bad) });
    const response = await post({ text: TEXT, schema: SCHEMA });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'GATEWAY_OUTPUT_INVALID' });
  });

  it('maps an upstream failure to the gateway’s problem', async () => {
    app = await buildTestApp({ model: failingModel(429) });
    const response = await post({ text: TEXT, schema: SCHEMA });
    expect(response.statusCode).toBe(429);
    expect(response.json().code).toBe('GATEWAY_RATE_LIMITED');
  });

  it('runs on the local engine when pinned with model: local', async () => {
    const model = scriptedModel();
    app = await buildTestApp({ model });
    const response = await post({ text: TEXT, schema: SCHEMA, model: 'local' });
    expect(response.json()).toMatchObject({ engine: 'local', data: { customer: 'Acme Corp' } });
    expect(model.doGenerateCalls).toHaveLength(0);
  });

  it('answers 503 MODEL_NOT_CONFIGURED for a model that is not configured', async () => {
    app = await buildTestApp({ model: scriptedModel() });
    const response = await post({ text: TEXT, schema: SCHEMA, model: 'nonexistent' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
  });
});

describe('relaxedSchema', () => {
  it('removes required everywhere and keeps everything else', () => {
    expect(relaxedSchema(NESTED)).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        address: {
          type: 'object',
          properties: { city: { type: ['string', 'null'] }, zip: { type: 'string' } },
        },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
  });
});
