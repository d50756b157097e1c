import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeChatRequest,
  type FakeOpenAI,
  startFakeOpenAI,
} from '../../../../test/fixtures/fake-openai/index.ts';
import { FAST_RESILIENCE } from '../../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { emptyGatewaySettings, Gateway } from '../../gateway/index.ts';

/**
 * The structured capabilities through the real OpenAI-compatible provider against the fake upstream: each
 * asks for the JSON-schema response format, parses the JSON answer and re-asks after an invalid one.
 */

/** What a well-behaved upstream answers to each capability's prompt (the first user message: a repair adds one). */
function reply(request: FakeChatRequest): string {
  const first = request.messages.find((message) => message.role === 'user')?.content;
  const prompt =
    typeof first === 'string' ? first : JSON.stringify(first).replace(/^\[\{"type":"text","text":"/, '');
  if (prompt.startsWith('Classify'))
    return JSON.stringify({
      labels: [
        { name: 'billing', score: 0.7 },
        { name: 'bug', score: 0.3 },
      ],
    });
  if (prompt.startsWith('Extract')) return JSON.stringify({ customer: 'Acme Corp', total: 1250 });
  if (prompt.startsWith('Judge'))
    return JSON.stringify({
      scores: [
        { item: 1, score: 0.2 },
        { item: 2, score: 0.9 },
      ],
    });
  if (prompt.startsWith('Recommend'))
    return JSON.stringify({ items: [{ item: 1, score: 0.8, reason: 'About keels.' }] });
  return 'unexpected prompt';
}

let fake: FakeOpenAI;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeOpenAI({ reply });
  app = await buildTestApp({
    models: new Gateway({
      settings: emptyGatewaySettings({
        providers: [
          {
            name: 'fake',
            kind: 'openai-compatible',
            baseUrl: fake.url,
            apiKey: 'test-key',
            headers: {},
            structuredOutputs: true,
          },
        ],
        aliases: [{ name: 'default', deployments: [{ ref: 'fake:fake-model', weight: 1 }], fallbacks: [] }],
        resilience: { ...FAST_RESILIENCE, maxAttempts: 1 },
      }),
    }),
  });
});

afterEach(() => {
  expect(fake.pendingFaults()).toBe(0);
  fake.reset();
});

afterAll(async () => {
  await app?.close();
  await fake?.close();
});

const CASES = [
  {
    name: 'classify',
    payload: { text: 'Charged twice, refund please.', labels: [{ name: 'billing' }, { name: 'bug' }] },
    expected: { chosen: ['billing'] },
  },
  {
    name: 'extract',
    payload: {
      text: 'Customer: Acme Corp. Total: $1,250.',
      schema: {
        type: 'object',
        properties: {
          customer: { type: 'string' },
          total: { type: 'number' },
          po: { type: ['string', 'null'] },
        },
        required: ['customer', 'total', 'po'],
      },
    },
    expected: { data: { customer: 'Acme Corp', total: 1250, po: null }, missing: ['/po'] },
  },
  {
    name: 'score',
    payload: {
      query: 'keel',
      items: [
        { id: 'a', text: 'sails' },
        { id: 'b', text: 'the keel' },
      ],
    },
    expected: {
      scores: [
        { id: 'b', score: 0.9, rank: 1 },
        { id: 'a', score: 0.2, rank: 2 },
      ],
    },
  },
  {
    name: 'recommend',
    payload: {
      query: 'keel',
      items: [
        { id: 'a', text: 'the keel' },
        { id: 'b', text: 'sails' },
      ],
      k: 1,
    },
    expected: { items: [{ id: 'a', score: 0.8, reason: 'About keels.' }] },
  },
] as const;

describe.each(CASES)('$name through an OpenAI-compatible provider', ({ name, payload, expected }) => {
  it('requests response_format json_schema and serves the parsed answer', async () => {
    const response = await app.app.inject({ method: 'POST', url: `/v1/${name}`, payload });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ ...expected, engine: 'model', model: 'fake:fake-model' });
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]?.body as {
      response_format?: { type: string; json_schema?: { schema?: unknown } };
    };
    expect(body.response_format?.type).toBe('json_schema');
    expect(body.response_format?.json_schema?.schema).toMatchObject({ type: 'object' });
  });

  it('re-asks after an answer that is not JSON, showing the model what was wrong', async () => {
    fake.enqueueFaults({ kind: 'reply', text: 'Sure! Here is the JSON you asked for.' });
    const response = await app.app.inject({ method: 'POST', url: `/v1/${name}`, payload });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject(expected);
    expect(fake.requests).toHaveLength(2);
    const repair = fake.requests[1]?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(JSON.stringify(repair.messages.at(-1)?.content)).toContain('is not valid JSON');
    expect(repair.messages.at(-2)).toMatchObject({ role: 'assistant' });
  });
});
