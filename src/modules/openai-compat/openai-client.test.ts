import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embed, generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/fixtures/fake-openai/index.ts';
import { FAST_RESILIENCE, fakeUpstreamGatewaySettings } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';

/**
 * Real clients against Keel's OpenAI-compatible surface, Keel against a real (fake) upstream through the
 * real provider: the official `openai` SDK and the AI SDK's own OpenAI-compatible provider.
 */

const KEY = 'keel-admin-key-for-openai-client-tests';

let upstream: FakeOpenAI;
let app: TestApp;
let baseURL: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI({
    reply: (request) => `Upstream heard: ${request.lastUserMessage}`,
    embeddingDimensions: 4,
  });
  const gateway = new Gateway({ settings: fakeUpstreamGatewaySettings(upstream.url) });
  app = await buildTestApp({ models: gateway, adminKey: KEY });
  const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
  baseURL = `${address}/openai/v1`;
});

afterEach(() => {
  upstream.reset();
});

afterAll(async () => {
  await app?.close();
  await upstream?.close();
});

describe('the official openai client (v7)', () => {
  const client = () => new OpenAI({ baseURL, apiKey: KEY, maxRetries: 0 });

  it('creates a chat completion', async () => {
    const completion = await client().chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'What is a keel?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Upstream heard: What is a keel?');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'fake-model' });
  });

  it('streams a chat completion', async () => {
    const stream = await client().chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'Stream this' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Upstream heard: Stream this');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('passes tools through and returns the tool call', async () => {
    upstream.enqueueFaults({ kind: 'tool-call', name: 'weather', arguments: '{"city":"Oslo"}' });
    const completion = await client().chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'weather', arguments: '{"city":"Oslo"}' },
    });
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'weather' } }],
    });
  });

  it('passes response_format through', async () => {
    await client().chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'JSON please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    });
    expect(upstream.requests.at(-1)?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
    });
  });

  it('creates embeddings (the SDK asks for base64 and decodes it)', async () => {
    const result = await client().embeddings.create({ model: 'embed', input: ['a keel', 'a sail'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(4);
    expect(Math.hypot(...(result.data[0]?.embedding ?? []))).toBeCloseTo(1, 5);
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client().models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['default', 'embed', 'upstream:fake-model']));
    expect((await client().models.retrieve('default')).id).toBe('default');
  });

  it('raises typed errors from the error shape', async () => {
    const notFound = await client()
      .chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('GATEWAY_MODEL_NOT_FOUND');

    upstream.enqueueFaults({ kind: 'status', status: 429, retryAfter: '100' });
    const limited = await client()
      .chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('sees a stream cut mid-way as an error, never as a complete answer', async () => {
    upstream.enqueueFaults({ kind: 'cut', afterChunks: 3 });
    const stream = await client().chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'one two three four five' }],
      stream: true,
    });
    let text = '';
    const outcome = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => 'completed',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe('Upstream heard:');
  });

  it('aborting the client stream aborts the upstream request', async () => {
    upstream.enqueueFaults({ kind: 'slow', tokenDelayMs: 100 });
    const controller = new AbortController();
    const stream = await client().chat.completions.create(
      {
        model: 'default',
        messages: [{ role: 'user', content: 'a long answer with many words in it' }],
        stream: true,
      },
      { signal: controller.signal },
    );
    const reading = (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) controller.abort();
      }
    })().catch(() => undefined);
    await reading;
    await expect.poll(() => upstream.abortedRequests(), { timeout: 2_000 }).toBe(1);
    const request = upstream.requests.at(-1);
    expect(request?.aborted).toBe(true);
    expect(request?.completed).toBe(false);
  });
});

describe("the AI SDK's OpenAI-compatible provider", () => {
  const provider = () => createOpenAICompatible({ name: 'keel', baseURL, apiKey: KEY, includeUsage: true });

  it('generates and streams text', async () => {
    const generated = await generateText({
      model: provider().chatModel('default'),
      prompt: 'Hello',
      maxRetries: 0,
    });
    expect(generated.text).toBe('Upstream heard: Hello');
    expect(generated.usage.outputTokens).toBeGreaterThan(0);
    const streamed = streamText({ model: provider().chatModel('default'), prompt: 'Again', maxRetries: 0 });
    expect(await streamed.text).toBe('Upstream heard: Again');
  });

  it('embeds', async () => {
    const result = await embed({ model: provider().embeddingModel('embed'), value: 'a keel', maxRetries: 0 });
    expect(result.embedding).toHaveLength(4);
  });
});

describe('the official openai client against an open (keyless, loopback) Keel', () => {
  let open: TestApp;
  let openBaseURL: string;
  beforeAll(async () => {
    const gateway = new Gateway({
      settings: emptyGatewaySettings({
        providers: [
          {
            name: 'upstream',
            kind: 'openai-compatible',
            baseUrl: upstream.url,
            apiKey: 'upstream-key',
            headers: {},
            structuredOutputs: true,
          },
        ],
        aliases: [
          { name: 'default', deployments: [{ ref: 'upstream:fake-model', weight: 1 }], fallbacks: [] },
        ],
        resilience: { ...FAST_RESILIENCE, maxAttempts: 1 },
      }),
    });
    open = await buildTestApp({ models: gateway });
    openBaseURL = `${await open.app.listen({ host: '127.0.0.1', port: 0 })}/openai/v1`;
  });
  afterAll(async () => open?.close());

  it('works with the placeholder apiKey the SDK requires (decision 0152)', async () => {
    const client = new OpenAI({ baseURL: openBaseURL, apiKey: 'sk-placeholder', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Upstream heard: Hi');
  });

  it('still refuses a mistyped Keel key with 401 AUTH_INVALID', async () => {
    const client = new OpenAI({
      baseURL: openBaseURL,
      apiKey: `keel_0123456789abcdef_${'A'.repeat(43)}`,
      maxRetries: 0,
    });
    const failure = await client.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('AUTH_INVALID');
  });
});
