import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/fixtures/fake-openai/index.ts';
import { fakeUpstreamGatewaySettings, textParts } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, memoryDocuments, type TestApp } from '../../../test/support/test-app.ts';
import { defineCapability } from '../capabilities/index.ts';
import { Gateway } from '../gateway/index.ts';
import { groundednessGuardrail } from './builtin/groundedness.guardrail.ts';
import { jsonSchemaGuardrail } from './builtin/json-schema.guardrail.ts';
import type { GuardrailsConfig } from './guardrails-config.ts';

// Guardrails on the surfaces added after the first cut (issue 19): embeddings, the opt-in address and name
// kinds, and the groundedness and JSON-schema output checks, against a real (fake) OpenAI-compatible
// upstream that records what it received.

const ADMIN_KEY = 'keel-admin-key-for-guardrail-surface-tests';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const PII = 'Refund ana@example.com on card 4111 1111 1111 1111, please.';

let upstream: FakeOpenAI;
let app: TestApp | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI({
    reply: (request) =>
      request.lastUserMessage.includes('leave')
        ? 'Unused leave can be sold back to the company for cash.'
        : request.lastUserMessage.includes('sentiment')
          ? 'The sentiment is positive.'
          : `Noted: ${request.lastUserMessage}`,
    embeddingDimensions: 4,
  });
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  upstream.reset();
});
afterAll(async () => {
  await upstream?.close();
});

/** Embeds its text through the gateway's `embed` alias: a capability whose embedding goes to a provider. */
const similar = defineCapability({
  name: 'similar',
  version: '1.0.0',
  summary: 'Embeds a text (test capability)',
  description: 'Embeds its text with the embed alias and returns the vector length.',
  input: z.object({ text: z.string() }),
  output: z.object({ dimensions: z.number() }),
  async run(input, context) {
    const result = await context.models.embedding().doEmbed({ values: [input.text] });
    return { dimensions: result.embeddings[0]?.length ?? 0 };
  },
});

async function start(guardrailsConfig: Partial<GuardrailsConfig>): Promise<TestApp> {
  const gateway = new Gateway({ settings: fakeUpstreamGatewaySettings(upstream.url) });
  app = await buildTestApp({
    models: gateway,
    adminKey: ADMIN_KEY,
    guardrailsConfig,
    extraCapabilities: [similar],
  });
  return app;
}

const received = () => JSON.stringify(upstream.requests.map((request) => request.body));

async function logged(id: string): Promise<Record<string, unknown>> {
  await app?.writer.flush();
  const response = await app?.app.inject({ method: 'GET', url: `/v1/requests/${id}`, headers: admin });
  return response?.json() as Record<string, unknown>;
}

describe('embeddings pass the input policies before a provider', () => {
  it('/openai/v1/embeddings: the provider gets placeholders, the caller its vectors, the log the decision', async () => {
    const keel = await start({ openai: ['pii-redact'] });
    const response = await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      headers: { ...admin, 'x-request-id': 'embed-1' },
      payload: { model: 'embed', input: [PII, 'no personal data here'] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data).toHaveLength(2);
    expect(upstream.requests).toHaveLength(1);
    expect(received()).toContain('[EMAIL_1]');
    expect(received()).toContain('[PAYMENT_CARD_1]');
    expect(received()).not.toContain('ana@example.com');
    expect(received()).not.toContain('4111');
    const record = await logged('embed-1');
    expect(JSON.stringify(record)).not.toContain('ana@example.com');
    expect(record.guardrails).toEqual([
      { policy: 'pii-redact', stage: 'input', action: 'redact', kinds: ['email', 'payment_card'], count: 2 },
    ]);
  });

  it('/openai/v1/embeddings: a block policy refuses the call and nothing reaches the provider', async () => {
    const keel = await start({ openai: ['pii-block'] });
    const response = await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      headers: admin,
      payload: { model: 'embed', input: PII },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({ code: 'GUARDRAIL_BLOCKED' });
    expect(upstream.requests).toHaveLength(0);
  });

  it("a capability's own embedding call is redacted like its model calls", async () => {
    const keel = await start({ capabilities: { similar: ['pii-redact'] } });
    const response = await keel.app.inject({
      method: 'POST',
      url: '/v1/similar',
      headers: admin,
      payload: { text: PII },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ dimensions: 4 });
    expect(upstream.requests).toHaveLength(1);
    expect(received()).toContain('[EMAIL_1]');
    expect(received()).not.toContain('ana@example.com');
  });
});

describe('postal addresses and person names (opt-in)', () => {
  const TEXT = 'My name is Priya Raman and I live at 42 Elm Street. Where is my parcel?';

  it('a key adding pii-redact-names-addresses keeps them from the provider and gets them back', async () => {
    const keel = await start({ defaults: 'recommended' });
    // The recommended defaults do not look for them.
    await keel.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: admin,
      payload: { user_input: TEXT },
    });
    expect(received()).toContain('Priya Raman');
    upstream.reset();

    const created = await keel.app.inject({
      method: 'POST',
      url: '/v1/admin/keys',
      headers: admin,
      payload: { name: 'careful', scopes: ['capability:*'], guardrails: ['pii-redact-names-addresses'] },
    });
    const careful = { authorization: `Bearer ${(created.json() as { token: string }).token}` };
    const response = await keel.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: careful,
      payload: { user_input: TEXT },
    });
    expect(response.statusCode).toBe(200);
    expect(received()).toContain('[PERSON_NAME_1]');
    expect(received()).toContain('[POSTAL_ADDRESS_1]');
    expect(received()).not.toContain('Priya');
    expect(received()).not.toContain('Elm Street');
    // The fake echoes the prompt: the caller gets its own name and address back.
    expect(JSON.stringify(response.json())).toContain('Priya Raman');
  });
});

describe('groundedness and JSON schema as output policies', () => {
  it('/openai/v1: an answer the tool result does not support is flagged in the log', async () => {
    const keel = await start({
      policies: [groundednessGuardrail({ name: 'grounded' })],
      openai: ['grounded'],
    });
    const response = await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/chat/completions',
      headers: { ...admin, 'x-request-id': 'grounded-1' },
      payload: {
        model: 'default',
        messages: [
          { role: 'user', content: 'How much annual leave do I get?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search', arguments: '{}' } }],
          },
          {
            role: 'tool',
            tool_call_id: 'c1',
            content: 'Employees get 25 days of paid annual leave per calendar year.',
          },
          { role: 'user', content: 'And what happens to unused leave?' },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    expect((await logged('grounded-1')).guardrails).toEqual([
      { policy: 'grounded', stage: 'output', action: 'flag', kinds: ['unsupported'], count: 1 },
    ]);
  });

  it('/openai/v1: an answer that is not the JSON the schema asks for is blocked', async () => {
    const keel = await start({
      policies: [
        jsonSchemaGuardrail({
          name: 'sentiment-json',
          schema: { type: 'object', properties: { sentiment: { type: 'string' } }, required: ['sentiment'] },
          requireJson: true,
        }),
      ],
      openai: ['sentiment-json'],
    });
    const response = await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/chat/completions',
      headers: admin,
      payload: { model: 'default', messages: [{ role: 'user', content: 'What is the sentiment?' }] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error).toMatchObject({ code: 'GUARDRAIL_BLOCKED' });
  });
});

describe('the request log filtered by guardrail decisions (the console Guardrails page)', () => {
  it('guarded, guardrail_policy, guardrail_stage and guardrail_action select the records with a matching decision', async () => {
    const keel = await start({
      openai: ['pii-redact'],
      policies: [],
      capabilities: { generate: ['pii-block'] },
    });
    await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      headers: { ...admin, 'x-request-id': 'filter-redacted' },
      payload: { model: 'embed', input: PII },
    });
    await keel.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { ...admin, 'x-request-id': 'filter-blocked' },
      payload: { user_input: PII },
    });
    await keel.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      headers: { ...admin, 'x-request-id': 'filter-clean' },
      payload: { model: 'embed', input: 'nothing personal' },
    });
    await keel.writer.flush();
    const ids = async (query: string) => {
      const response = await keel.app.inject({ method: 'GET', url: `/v1/requests?${query}`, headers: admin });
      expect(response.statusCode, query).toBe(200);
      return (response.json() as { items: Array<{ id: string }> }).items
        .map((item) => item.id)
        .filter((id) => id.startsWith('filter-'))
        .sort();
    };
    expect(await ids('guarded=true')).toEqual(['filter-blocked', 'filter-redacted']);
    expect(await ids('guarded=false')).toEqual(['filter-blocked', 'filter-clean', 'filter-redacted']);
    expect(await ids('guardrail_action=block')).toEqual(['filter-blocked']);
    expect(await ids('guardrail_policy=pii-redact&guardrail_stage=input')).toEqual(['filter-redacted']);
    expect(await ids('guardrail_policy=pii-redact&guardrail_action=block')).toEqual([]);
    const refused = await keel.app.inject({
      method: 'GET',
      url: '/v1/requests?guardrail_stage=later',
      headers: admin,
    });
    expect(refused.statusCode).toBe(400);
  });
});

describe("answer's groundedness as a policy", () => {
  /** `answer` over one handbook document, its model replying `reply`, with `grounded-only` blocking. */
  async function answering(reply: string) {
    const documents = memoryDocuments();
    const model = new MockLanguageModelV4({
      provider: 'fake',
      modelId: 'grounded',
      doStream: async () => ({ stream: simulateReadableStream({ chunks: textParts(reply) }) }),
    });
    app = await buildTestApp({
      documents,
      model,
      adminKey: ADMIN_KEY,
      guardrailsConfig: {
        policies: [groundednessGuardrail({ name: 'grounded-only', action: 'block' })],
        capabilities: { answer: ['grounded-only'] },
      },
    });
    const collection = await app.app.inject({
      method: 'POST',
      url: '/v1/collections',
      headers: admin,
      payload: { name: 'handbook' },
    });
    const collectionId = collection.json().id as string;
    await app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collectionId}/documents`,
      headers: admin,
      payload: {
        title: 'Employee handbook',
        text: 'Annual leave. Employees get 25 days of paid annual leave per calendar year. Unused days can be carried over until the end of March.',
      },
    });
    await documents.runner.idle();
    return app.app.inject({
      method: 'POST',
      url: '/v1/answer',
      headers: admin,
      payload: {
        collection_ids: [collectionId],
        question: 'How many days of annual leave do employees get?',
      },
    });
  }

  it('passes an answer its sources support', async () => {
    const response = await answering('Employees get 25 days of paid annual leave per calendar year [1].');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'answered' });
  });

  it('blocks an answer its sources do not support', async () => {
    const response = await answering(
      'Employees may sell unused leave back to the company for cash bonuses [1].',
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'GUARDRAIL_BLOCKED',
      policy: 'grounded-only',
      stage: 'output',
      kinds: ['unsupported'],
    });
  });
});
