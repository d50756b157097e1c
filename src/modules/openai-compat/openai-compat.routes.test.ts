import type { LanguageModelV4GenerateResult, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answer,
  FAST_RESILIENCE,
  textParts,
  upstreamError,
  usage,
} from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import {
  emptyGatewaySettings,
  Gateway,
  type GatewayDependencies,
  MemoryModelCallStore,
  ModelCallWriter,
} from '../gateway/index.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function gatewayWith(
  model: MockLanguageModelV4 | undefined,
  extra: Partial<GatewayDependencies> = {},
): { gateway: Gateway; store: MemoryModelCallStore; writer: ModelCallWriter } {
  const store = new MemoryModelCallStore();
  const writer = new ModelCallWriter(store);
  const gateway = new Gateway({
    settings: emptyGatewaySettings({
      aliases: model
        ? [{ name: 'default', deployments: [{ ref: 'mock:m1', weight: 1 }], fallbacks: [] }]
        : [],
      resilience: { ...FAST_RESILIENCE, maxAttempts: 1 },
    }),
    ...(model ? { providers: { mock: { languageModel: () => model } } } : {}),
    observers: [writer.write],
    ...extra,
  });
  return { gateway, store, writer };
}

async function appWith(model?: MockLanguageModelV4, extra: Partial<GatewayDependencies> = {}) {
  const { gateway, store, writer } = gatewayWith(model, extra);
  app = await buildTestApp({ models: gateway, modelCalls: { store, writer } });
  return app;
}

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app?.app.inject({
    method: 'POST',
    url: '/openai/v1/chat/completions',
    payload: { model: 'default', messages: [{ role: 'user', content: 'Hello' }], ...body },
    headers,
  });
}

function streamingModel(parts: LanguageModelV4StreamPart[]): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

/** The `data:` payloads of an SSE body. */
function events(body: string): string[] {
  return body
    .split('\n\n')
    .filter((event) => event.trim() !== '')
    .map((event) => event.replace(/^data: /, ''));
}

describe('POST /openai/v1/chat/completions', () => {
  it("answers in OpenAI's chat.completion shape and says which deployment served", async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doGenerate: answer('Hi there', usage(9, 2)),
    });
    await appWith(model);
    const response = await chat({}, { 'x-request-id': 'chat-1' });
    expect(response?.statusCode).toBe(200);
    expect(response?.headers['x-keel-deployment']).toBe('mock:m1');
    expect(response?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response?.json()).toEqual({
      id: 'chatcmpl-chat-1',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'default',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi there', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
    });
  });

  it('passes messages, tools, tool choice, response format and sampling settings to the model', async () => {
    const model = new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: answer('{}') });
    await appWith(model);
    await chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            description: 'Weather now',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object' } } },
      temperature: 0.2,
      max_completion_tokens: 77,
      stop: 'END',
      seed: 7,
    });
    const call = model.doGenerateCalls[0];
    expect(call?.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: { city: 'Paris' } }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_1',
            toolName: 'weather',
            output: { type: 'text', value: '18C' },
          },
        ],
      },
    ]);
    expect(call).toMatchObject({
      tools: [
        { type: 'function', name: 'weather', description: 'Weather now', inputSchema: { type: 'object' } },
      ],
      toolChoice: { type: 'tool', toolName: 'weather' },
      responseFormat: { type: 'json', name: 'reply', schema: { type: 'object' } },
      temperature: 0.2,
      maxOutputTokens: 77,
      stopSequences: ['END'],
      seed: 7,
    });
  });

  it('returns tool calls the way OpenAI does', async () => {
    const result: LanguageModelV4GenerateResult = {
      content: [{ type: 'tool-call', toolCallId: 'call_9', toolName: 'weather', input: '{"city":"Oslo"}' }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: usage(4, 6),
      warnings: [],
    };
    await appWith(new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: result }));
    const body = (await chat({}))?.json();
    expect(body.choices[0]).toMatchObject({
      message: {
        content: null,
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    });
  });

  it("answers errors in OpenAI's error shape with the right status", async () => {
    await appWith(
      new MockLanguageModelV4({
        provider: 'mock',
        modelId: 'm1',
        doGenerate: async () => {
          throw upstreamError(429, { 'retry-after': '3' });
        },
      }),
    );
    const limited = await chat({});
    expect(limited?.statusCode).toBe(429);
    expect(limited?.headers['retry-after']).toBe('3');
    expect(limited?.headers['content-type']).toMatch(/^application\/json/);
    expect(limited?.json()).toEqual({
      error: {
        message: 'The model provider is rate limiting',
        type: 'rate_limit_error',
        param: null,
        code: 'GATEWAY_RATE_LIMITED',
      },
    });
    expect(limited?.body).not.toContain('sk-secret-value');

    const unknown = await chat({ model: 'no-such-model' });
    expect(unknown?.statusCode).toBe(404);
    expect(unknown?.json().error).toMatchObject({ type: 'not_found_error', code: 'GATEWAY_MODEL_NOT_FOUND' });
    // A configured provider with a model id no configuration names: refused, nothing is built for it.
    const unlisted = await chat({ model: 'mock:some-other-model' });
    expect(unlisted?.statusCode).toBe(404);

    const invalid = await chat({ messages: [{ role: 'user' }] });
    expect(invalid?.statusCode).toBe(400);
    expect(invalid?.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'REQUEST_VALIDATION_FAILED',
    });
    expect(invalid?.json().error.param).toMatch(/^messages/);

    const several = await chat({ n: 2 });
    expect(several?.statusCode).toBe(400);
    expect(several?.json().error.param).toBe('n');

    const missing = await app?.app.inject({ method: 'GET', url: '/openai/v1/nothing' });
    expect(missing?.statusCode).toBe(404);
    expect(missing?.json().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('answers 503 MODEL_NOT_CONFIGURED, naming what to set, for a known alias nothing can serve', async () => {
    await appWith(undefined);
    const response = await chat({});
    expect(response?.statusCode).toBe(503);
    expect(response?.json().error).toMatchObject({ type: 'api_error', code: 'MODEL_NOT_CONFIGURED' });
    expect(response?.json().error.message).toContain('OPENAI_API_KEY');
  });

  it('streams chat.completion.chunk events with usage and [DONE]', async () => {
    await appWith(streamingModel(textParts('Hello there world', usage(4, 3))));
    const response = await chat(
      { stream: true, stream_options: { include_usage: true } },
      { 'x-request-id': 'stream-1' },
    );
    expect(response?.statusCode).toBe(200);
    expect(response?.headers['content-type']).toMatch(/^text\/event-stream/);
    const data = events(response?.body ?? '');
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    expect(chunks[0]).toMatchObject({
      id: 'chatcmpl-stream-1',
      object: 'chat.completion.chunk',
      model: 'default',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      usage: null,
    });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Hello there world');
    expect(chunks.at(-2).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    });
  });

  it('streams tool-call deltas the way OpenAI does', async () => {
    await appWith(
      streamingModel([
        { type: 'stream-start', warnings: [] },
        { type: 'tool-input-start', id: 'call_1', toolName: 'weather' },
        { type: 'tool-input-delta', id: 'call_1', delta: '{"city":' },
        { type: 'tool-input-delta', id: 'call_1', delta: '"Oslo"}' },
        { type: 'tool-input-end', id: 'call_1' },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'weather', input: '{"city":"Oslo"}' },
        { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage: usage(1, 1) },
      ]),
    );
    const data = events((await chat({ stream: true }))?.body ?? '');
    const chunks = data.slice(0, -1).map((line) => JSON.parse(line));
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'call_1',
      type: 'function',
      function: { name: 'weather', arguments: '' },
    });
    expect(calls.map((call: { function: { arguments: string } }) => call.function.arguments).join('')).toBe(
      '{"city":"Oslo"}',
    );
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('ends a stream that fails mid-way with an error event and no [DONE]', async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => ({
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: 'text-start', id: 't' });
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'Half' });
            setTimeout(() => controller.error(new TypeError('terminated')), 5);
          },
        }),
      }),
    });
    await appWith(model);
    const response = await chat({ stream: true });
    const data = events(response?.body ?? '');
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1) ?? '{}')).toEqual({
      error: {
        message: 'The model provider failed',
        type: 'api_error',
        param: null,
        code: 'GATEWAY_UPSTREAM_ERROR',
      },
    });
  });

  // Two providers: one that ends its stream with an AbortError when its signal aborts (as fetch does), and
  // one that ignores the signal; either way the client gets OpenAI's error event, not a cut stream.
  it.each([
    ['aborts like fetch', true],
    ['ignores its abort signal', false],
  ])(
    'ends a stream still running at the shutdown deadline with a SERVICE_SHUTTING_DOWN error event (a provider that %s)',
    async (_name, honoursAbort) => {
      const model = new MockLanguageModelV4({
        provider: 'mock',
        modelId: 'm1',
        doStream: async (options) => ({
          stream: new ReadableStream({
            start(controller) {
              controller.enqueue({ type: 'text-start', id: 't' });
              controller.enqueue({ type: 'text-delta', id: 't', delta: 'Half' });
              if (honoursAbort) {
                options.abortSignal?.addEventListener('abort', () =>
                  controller.error(new DOMException('This operation was aborted', 'AbortError')),
                );
              }
            },
          }),
        }),
      });
      const running = await appWith(model);
      const address = await running.app.listen({ port: 0, host: '127.0.0.1' });
      const response = await fetch(`${address}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'default',
          messages: [{ role: 'user', content: 'Hello' }],
          stream: true,
        }),
      });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('Half')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      running.shutdownGate.reachDeadline();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      const data = events(text);
      expect(data).not.toContain('[DONE]');
      expect(JSON.parse(data.at(-1) ?? '{}')).toEqual({
        error: {
          message: 'This process reached its shutdown deadline while the call was running. Retry.',
          type: 'api_error',
          param: null,
          code: 'SERVICE_SHUTTING_DOWN',
        },
      });
    },
  );

  it('answers a JSON completion still running at the shutdown deadline with 503 SERVICE_SHUTTING_DOWN', async () => {
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doGenerate: (options) =>
        new Promise((_resolve, reject) => {
          started();
          options.abortSignal?.addEventListener('abort', () =>
            reject(new DOMException('This operation was aborted', 'AbortError')),
          );
        }),
    });
    const served = await appWith(model);
    const pending = chat({});
    await running;
    served.shutdownGate.reachDeadline();
    const response = await pending;
    expect(response?.statusCode).toBe(503);
    expect(response?.json().error).toMatchObject({ code: 'SERVICE_SHUTTING_DOWN', type: 'api_error' });
  });

  it('fails before the first token with an HTTP error, not a stream', async () => {
    await appWith(
      new MockLanguageModelV4({
        provider: 'mock',
        modelId: 'm1',
        doStream: async () => {
          throw upstreamError(503);
        },
      }),
    );
    const response = await chat({ stream: true });
    expect(response?.statusCode).toBe(502);
    expect(response?.json().error.code).toBe('GATEWAY_UPSTREAM_ERROR');
  });
});

describe('POST /openai/v1/embeddings and the models listings', () => {
  const embedder = () =>
    new MockEmbeddingModelV4({
      provider: 'local',
      modelId: 'use-lite-512',
      maxEmbeddingsPerCall: 2,
      doEmbed: async ({ values }) => ({
        embeddings: values.map((value) => [value.length, 0.5, -1]),
        usage: { tokens: values.length },
        warnings: [],
      }),
    });

  it('embeds in batches, as floats or as base64 float32', async () => {
    await appWith(undefined, { embeddingModels: [embedder()] });
    const floats = await app?.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      payload: { model: 'embed', input: ['a', 'bb', 'ccc'] },
    });
    expect(floats?.statusCode).toBe(200);
    expect(floats?.json()).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1, 0.5, -1] },
        { object: 'embedding', index: 1, embedding: [2, 0.5, -1] },
        { object: 'embedding', index: 2, embedding: [3, 0.5, -1] },
      ],
      model: 'embed',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    const encoded = await app?.app.inject({
      method: 'POST',
      url: '/openai/v1/embeddings',
      payload: { model: 'embed', input: 'bb', encoding_format: 'base64' },
    });
    const bytes = Buffer.from(encoded?.json().data[0].embedding, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)]).toEqual([2, 0.5, -1]);
  });

  it('lists what can serve, on both surfaces', async () => {
    const model = new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: answer('x') });
    await appWith(model, { embeddingModels: [embedder()] });
    const openai = (await app?.app.inject({ method: 'GET', url: '/openai/v1/models' }))?.json();
    expect(openai.object).toBe('list');
    expect(openai.data.map((entry: { id: string }) => entry.id)).toEqual(
      expect.arrayContaining(['default', 'fast', 'smart', 'embed', 'mock:m1', 'local:use-lite-512']),
    );
    expect(openai.data.find((entry: { id: string }) => entry.id === 'mock:m1')).toMatchObject({
      object: 'model',
      owned_by: 'mock',
    });
    const one = await app?.app.inject({ method: 'GET', url: '/openai/v1/models/fast' });
    expect(one?.json()).toMatchObject({ id: 'fast', owned_by: 'keel' });
    expect((await app?.app.inject({ method: 'GET', url: '/openai/v1/models/nope' }))?.statusCode).toBe(404);

    const keel = (await app?.app.inject({ method: 'GET', url: '/v1/models' }))?.json();
    expect(keel.aliases).toContainEqual({
      name: 'default',
      kind: 'language',
      deployments: ['mock:m1'],
      fallbacks: [],
      healthy: true,
    });
    expect(keel.deployments).toContainEqual(expect.objectContaining({ id: 'mock:m1', circuit: 'closed' }));
  });

  it('shows every model call of a request, with its usage, at /v1/model-calls', async () => {
    await appWith(
      new MockLanguageModelV4({ provider: 'mock', modelId: 'm1', doGenerate: answer('x', usage(5, 1)) }),
    );
    await chat({}, { 'x-request-id': 'usage-1' });
    await chat({}, { 'x-request-id': 'usage-2' });
    const page = (
      await app?.app.inject({ method: 'GET', url: '/v1/model-calls?request_id=usage-1' })
    )?.json();
    expect(page.items).toEqual([
      expect.objectContaining({
        request_id: 'usage-1',
        source: 'openai:chat.completions',
        route: 'default',
        deployment: 'mock:m1',
        outcome: 'succeeded',
        input_tokens: 5,
        output_tokens: 1,
        attempts: 1,
        cache_hit: false,
      }),
    ]);
    const all = (await app?.app.inject({ method: 'GET', url: '/v1/model-calls?limit=1' }))?.json();
    expect(all.items).toHaveLength(1);
    expect(all.next_cursor).toEqual(expect.any(String));
    const bad = await app?.app.inject({ method: 'GET', url: '/v1/model-calls?cursor=bm9wZQ' });
    expect(bad?.statusCode).toBe(400);
    expect(bad?.json().code).toBe('GATEWAY_CURSOR_INVALID');
  });
});
