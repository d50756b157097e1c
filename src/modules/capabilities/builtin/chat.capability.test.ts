import type { LanguageModelV4Prompt, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { textParts, upstreamError, usage } from '../../../../test/support/gateway-fixtures.ts';
import { buildTestApp, catalogFor, type TestApp } from '../../../../test/support/test-app.ts';
import { type CapabilityStreamEvent, parseCapabilityStream } from '../../../client/capability-stream.ts';
import { AppError } from '../../../platform/errors/index.ts';
import { createLogger } from '../../../platform/logging/index.ts';
import { type ConversationWindow, MemoryConversationStore } from '../../conversations/index.ts';
import { CapabilityInvoker } from '../capability-invoker.ts';
import { createChatCapability } from './chat.capability.ts';

const ADMIN_KEY = 'keel-admin-key-for-the-chat-tests-000001';
const clock = { now: () => new Date('2026-11-21T12:00:00.000Z') };

/** A model streaming each reply in turn (word by word), failing loudly when asked once more. */
function chatModel(...replies: string[]): MockLanguageModelV4 {
  let call = 0;
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doStream: async () => {
      const reply = replies[call++];
      if (reply === undefined) throw new Error(`unexpected model call #${call}`);
      return { stream: simulateReadableStream({ chunks: textParts(reply, usage(11, 3)) }) };
    },
  });
}

/** What a model call received, one `role: text` line per message. */
function transcript(prompt: LanguageModelV4Prompt): string[] {
  return prompt.map((message) =>
    typeof message.content === 'string'
      ? `${message.role}: ${message.content}`
      : `${message.role}: ${message.content.map((part) => (part.type === 'text' ? part.text : '')).join('')}`,
  );
}

describe('POST /v1/chat', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(
    model: MockLanguageModelV4 | undefined,
    options: { window?: ConversationWindow; adminKey?: string } = {},
  ) {
    const conversations = new MemoryConversationStore();
    let next = 0;
    const chat = createChatCapability({
      conversations,
      clock,
      ...(options.window ? { window: options.window } : {}),
      newId: () => `conv_test${++next}`,
    });
    app = await buildTestApp({
      ...(model ? { model } : {}),
      conversations,
      capabilities: [chat],
      clock,
      ...(options.adminKey ? { adminKey: options.adminKey } : {}),
    });
    const current = app;
    const chatAs = async (payload: object, headers: Record<string, string> = {}) =>
      current.app.inject({ method: 'POST', url: '/v1/chat', payload, headers });
    return { conversations, chatAs, app: current };
  }

  it('starts a conversation, stores the message and the reply, and reports engine, model and usage', async () => {
    const model = chatModel('A keel keeps the boat upright.');
    const { chatAs, conversations, app } = await start(model);
    const response = await chatAs(
      { message: 'What does a keel do?', system: 'Answer in one sentence.' },
      { 'x-request-id': 'chat-1' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      reply: 'A keel keeps the boat upright.',
      conversation_id: 'conv_test1',
      engine: 'model',
      model: 'mock:m1',
      usage: { input_tokens: 11, output_tokens: 3 },
    });
    expect(transcript(model.doStreamCalls[0]?.prompt ?? [])).toEqual([
      'system: Answer in one sentence.',
      'user: What does a keel do?',
    ]);
    expect(model.doStreamCalls[0]?.maxOutputTokens).toBe(1024);
    expect(await conversations.get('default', 'conv_test1')).toMatchObject({
      title: 'What does a keel do?',
      system: 'Answer in one sentence.',
      messageCount: 2,
    });

    const read = await app.app.inject({ method: 'GET', url: '/v1/conversations/conv_test1' });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      id: 'conv_test1',
      message_count: 2,
      next_after: null,
      messages: [
        { position: 1, role: 'user', content: 'What does a keel do?', request_id: 'chat-1', model: null },
        {
          position: 2,
          role: 'assistant',
          content: 'A keel keeps the boat upright.',
          model: 'mock:m1',
          usage: { input_tokens: 11, output_tokens: 3 },
        },
      ],
    });
  });

  it('continues a conversation: the model receives the stored system prompt and the history', async () => {
    const model = chatModel('Upright.', 'It can be raised.', 'You are welcome.');
    const { chatAs, conversations } = await start(model);
    const first = await chatAs({ message: 'What does a keel do?', system: 'Be brief.' });
    const id = first.json().conversation_id as string;
    const second = await chatAs({ conversation_id: id, message: 'And a centreboard?' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ conversation_id: id, reply: 'It can be raised.' });
    expect(transcript(model.doStreamCalls[1]?.prompt ?? [])).toEqual([
      'system: Be brief.',
      'user: What does a keel do?',
      'assistant: Upright.',
      'user: And a centreboard?',
    ]);
    // A new system prompt replaces the stored one for this and later turns.
    await chatAs({ conversation_id: id, message: 'Thanks', system: 'Be warm.' });
    expect(transcript(model.doStreamCalls[2]?.prompt ?? [])[0]).toBe('system: Be warm.');
    expect(await conversations.get('default', id)).toMatchObject({ system: 'Be warm.', messageCount: 6 });
  });

  it('sends at most the last N messages, while the full history stays stored', async () => {
    const model = chatModel('r1', 'r2', 'r3', 'r4');
    const { chatAs, app } = await start(model, { window: { maxMessages: 3, maxTokens: 100_000 } });
    const id = (await chatAs({ message: 'm1' })).json().conversation_id as string;
    for (const message of ['m2', 'm3', 'm4']) {
      expect((await chatAs({ conversation_id: id, message })).statusCode).toBe(200);
    }
    // Three stored messages fit (r2, m3, r3), but a window never starts with a reply.
    expect(transcript(model.doStreamCalls[3]?.prompt ?? [])).toEqual([
      'user: m3',
      'assistant: r3',
      'user: m4',
    ]);
    const read = await app.app.inject({ method: 'GET', url: `/v1/conversations/${id}` });
    expect(read.json().message_count).toBe(8);
    expect((read.json().messages as Array<{ content: string }>).map((message) => message.content)).toEqual([
      'm1',
      'r1',
      'm2',
      'r2',
      'm3',
      'r3',
      'm4',
      'r4',
    ]);
  });

  it('leaves out the oldest messages beyond the token budget, keeping the system prompt and the new message', async () => {
    const long = (word: string) => Array.from({ length: 60 }, () => word).join(' ');
    const model = chatModel(long('alpha'), long('beta'), 'short');
    const { chatAs } = await start(model, { window: { maxMessages: 100, maxTokens: 256 } });
    const id = (await chatAs({ message: long('one'), system: 'Sys.' })).json().conversation_id as string;
    await chatAs({ conversation_id: id, message: long('two') });
    await chatAs({ conversation_id: id, message: 'three' });
    // ~63 tokens a long message: the last turn (two, beta) fits in 256 next to the system and new message.
    expect(transcript(model.doStreamCalls[2]?.prompt ?? [])).toEqual([
      'system: Sys.',
      `user: ${long('two')}`,
      `assistant: ${long('beta')}`,
      'user: three',
    ]);
  });

  it('answers 404 for an unknown conversation and for another tenant’s, alike, without calling the model', async () => {
    const model = chatModel('for b');
    const { chatAs, app } = await start(model, { adminKey: ADMIN_KEY });
    const keyOf = async (tenantId: string) =>
      `Bearer ${(await app.keys.create({ name: tenantId, tenantId, scopes: ['capability:chat'] })).token}`;
    const [a, b] = [await keyOf('tenant-a'), await keyOf('tenant-b')];
    const created = await chatAs({ message: 'secret of b' }, { authorization: b });
    const id = created.json().conversation_id as string;

    const foreign = await chatAs({ conversation_id: id, message: 'hi' }, { authorization: a });
    const missing = await chatAs({ conversation_id: 'conv_missing', message: 'hi' }, { authorization: a });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('CONVERSATIONS_NOT_FOUND');
    expect(missing.json().code).toBe('CONVERSATIONS_NOT_FOUND');
    expect(foreign.body).not.toContain('secret of b');
    expect(model.doStreamCalls).toHaveLength(1);
  });

  it('answers 503 MODEL_NOT_CONFIGURED with no model, and for model "local", storing nothing', async () => {
    const none = await start(undefined);
    const response = await none.chatAs({ message: 'hello' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
    expect(response.json().detail).toContain('OPENAI_API_KEY');
    expect((await none.conversations.list('default', { limit: 10 })).items).toEqual([]);
    await app?.close();

    const model = chatModel('never');
    const configured = await start(model);
    const local = await configured.chatAs({ message: 'hello', model: 'local' });
    expect(local.statusCode).toBe(503);
    expect(local.json().code).toBe('MODEL_NOT_CONFIGURED');
    expect(local.json().detail).toContain('local engine');
    expect(model.doStreamCalls).toHaveLength(0);
    expect((await configured.conversations.list('default', { limit: 10 })).items).toEqual([]);
  });

  it('answers 503 when the configuration routes chat to the local engine', async () => {
    const model = chatModel('never');
    const conversations = new MemoryConversationStore();
    app = await buildTestApp({
      models: catalogFor(model, [], { settings: { routes: { chat: 'local' } } }),
      conversations,
      capabilities: [createChatCapability({ conversations, clock })],
    });
    const response = await app.app.inject({ method: 'POST', url: '/v1/chat', payload: { message: 'hello' } });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
    expect(model.doStreamCalls).toHaveLength(0);
    // An explicit model still serves it.
    const pinned = await app.app.inject({
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'hello', model: 'mock:m1' },
    });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json().reply).toBe('never');
  });

  it('stores nothing when the model fails, before or during the reply', async () => {
    let call = 0;
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => {
        call += 1;
        if (call === 1) return { stream: simulateReadableStream({ chunks: textParts('first reply') }) };
        if (call === 2) throw upstreamError(500);
        const parts: LanguageModelV4StreamPart[] = [
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: 't' },
          { type: 'text-delta', id: 't', delta: 'half a rep' },
          { type: 'error', error: upstreamError(503) },
        ];
        return { stream: simulateReadableStream({ chunks: parts }) };
      },
    });
    const { chatAs, conversations } = await start(model);
    const id = (await chatAs({ message: 'one' })).json().conversation_id as string;

    const before = await chatAs({ conversation_id: id, message: 'two' });
    expect(before.statusCode).toBe(502);
    expect(before.json().code).toBe('GATEWAY_UPSTREAM_ERROR');
    const during = await chatAs({ conversation_id: id, message: 'three' });
    expect(during.statusCode).toBeGreaterThanOrEqual(500);
    expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);

    expect(await conversations.get('default', id)).toMatchObject({ messageCount: 2 });
    const messages = await conversations.listMessages('default', id, { after: 0, limit: 10 });
    expect(messages.map((message) => message.content)).toEqual(['one', 'first reply']);
  });

  it('answers 404 when the conversation is deleted while the model answers, storing nothing', async () => {
    const conversations = new MemoryConversationStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => {};
    const answering = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let call = 0;
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => {
        call += 1;
        if (call === 2) {
          reached();
          await gate;
        }
        return { stream: simulateReadableStream({ chunks: textParts(`reply ${call}`) }) };
      },
    });
    const chat = createChatCapability({ conversations, clock });
    app = await buildTestApp({ model, conversations, capabilities: [chat] });
    const current = app;
    const id = (
      await current.app.inject({ method: 'POST', url: '/v1/chat', payload: { message: 'one' } })
    ).json().conversation_id as string;
    const pending = current.app.inject({
      method: 'POST',
      url: '/v1/chat',
      payload: { conversation_id: id, message: 'two' },
    });
    await answering;
    expect((await current.app.inject({ method: 'DELETE', url: `/v1/conversations/${id}` })).statusCode).toBe(
      204,
    );
    release();
    const response = await pending;
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('CONVERSATIONS_NOT_FOUND');
    expect(await conversations.get('default', id)).toBeUndefined();
  });

  it('keeps each turn’s message and reply together when turns race on one conversation', async () => {
    const replies = Array.from({ length: 7 }, (_, index) => `reply ${index}`);
    const { chatAs, conversations } = await start(chatModel(...replies));
    const id = (await chatAs({ message: 'start' })).json().conversation_id as string;
    const responses = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((index) => chatAs({ conversation_id: id, message: `race ${index}` })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const messages = await conversations.listMessages('default', id, { after: 0, limit: 100 });
    expect(messages.map((message) => message.position)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (let index = 0; index < messages.length; index += 2) {
      expect(messages[index]?.role).toBe('user');
      expect(messages[index + 1]?.role).toBe('assistant');
      expect(messages[index + 1]?.requestId).toBe(messages[index]?.requestId);
    }
  });

  it.each([
    ['an empty message', { message: '' }, '/body/message', 'too_small'],
    ['no message', {}, '/body/message', 'invalid_type'],
    ['a message over 32,000 characters', { message: 'x'.repeat(32_001) }, '/body/message', 'too_big'],
    [
      'a malformed id',
      { message: 'hi', conversation_id: 'not an id!' },
      '/body/conversation_id',
      'invalid_format',
    ],
    ['an empty system prompt', { message: 'hi', system: '' }, '/body/system', 'too_small'],
    ['max_tokens 0', { message: 'hi', max_tokens: 0 }, '/body/max_tokens', 'too_small'],
    ['a malformed model', { message: 'hi', model: 'bad model' }, '/body/model', 'invalid_format'],
    ['an unknown field', { message: 'hi', temperature: 1 }, '/body', 'unrecognized_keys'],
  ])('rejects %s with a 400 field error', async (_name, payload, pointer, code) => {
    const model = chatModel();
    const { chatAs } = await start(model);
    const response = await chatAs(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('REQUEST_VALIDATION_FAILED');
    expect(response.json().errors).toContainEqual(expect.objectContaining({ pointer, code }));
    expect(model.doStreamCalls).toHaveLength(0);
  });

  it('streams the reply as text-delta events, then done with the same output as sync', async () => {
    const model = chatModel('It keeps the boat upright');
    const { app, conversations } = await start(model);
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'What does a keel do?' },
      headers: { accept: 'text/event-stream' },
    });
    expect(response.statusCode).toBe(200);
    const body = new Response(response.body).body;
    if (body === null) throw new Error('no body');
    const events: CapabilityStreamEvent[] = [];
    for await (const event of parseCapabilityStream(body)) events.push(event);
    const deltas = events.flatMap((event) => (event.type === 'text-delta' ? [event.data.delta] : []));
    expect(deltas.join('')).toBe('It keeps the boat upright');
    expect(deltas.length).toBeGreaterThan(1);
    expect(events.map((event) => event.type).slice(-2)).toEqual(['usage', 'done']);
    const done = events.at(-1);
    expect(done?.data).toEqual({
      output: {
        reply: 'It keeps the boat upright',
        conversation_id: 'conv_test1',
        engine: 'model',
        model: 'mock:m1',
        usage: { input_tokens: 11, output_tokens: 3 },
      },
    });
    expect((await conversations.get('default', 'conv_test1'))?.messageCount).toBe(2);
  });
});

describe('chat as a job and in a batch', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('stores the turn of a job once, and the job result is the same output', async () => {
    const conversations = new MemoryConversationStore();
    const chat = createChatCapability({ conversations, clock, newId: () => 'conv_job1' });
    app = await buildTestApp({ model: chatModel('From a job.'), conversations, capabilities: [chat] });
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/chat/jobs',
      payload: { message: 'hi' },
    });
    expect(created.statusCode).toBe(202);
    const jobId = created.json().id as string;
    let job: { status: string; result: unknown } = { status: 'queued', result: null };
    for (let poll = 0; poll < 200 && !['succeeded', 'failed'].includes(job.status); poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      job = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}` })).json();
    }
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ reply: 'From a job.', conversation_id: 'conv_job1' });
    const messages = await conversations.listMessages('default', 'conv_job1', { after: 0, limit: 10 });
    expect(messages.map((message) => message.content)).toEqual(['hi', 'From a job.']);
  });

  it('stores each good item of a batch and nothing for the bad ones', async () => {
    const conversations = new MemoryConversationStore();
    const chat = createChatCapability({ conversations, clock, newId: () => 'conv_batch1' });
    app = await buildTestApp({ model: chatModel('Batched.'), conversations, capabilities: [chat] });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/chat/batch',
      payload: {
        items: [{ message: 'good' }, { conversation_id: 'conv_missing', message: 'lost' }, { message: '' }],
      },
    });
    expect(response.statusCode).toBe(200);
    const results = response.json().results as Array<{ status: string; problem?: { code: string } }>;
    expect(results.map((result) => result.status)).toEqual(['succeeded', 'failed', 'failed']);
    expect(results[1]?.problem?.code).toBe('CONVERSATIONS_NOT_FOUND');
    expect(results[2]?.problem?.code).toBe('REQUEST_VALIDATION_FAILED');
    const listed = await conversations.list('default', { limit: 10 });
    expect(listed.items.map((item) => [item.id, item.messageCount])).toEqual([['conv_batch1', 2]]);
  });
});

describe('chat aborted mid-reply', () => {
  it('stores neither the message nor the partial reply', async () => {
    const conversations = new MemoryConversationStore();
    const chat = createChatCapability({ conversations, clock });
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async (options) => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.enqueue({ type: 'text-start', id: 't' });
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'partial' });
            options.abortSignal?.addEventListener('abort', () =>
              controller.error(options.abortSignal?.reason),
            );
          },
        }),
      }),
    });
    const invoker = new CapabilityInvoker({ models: catalogFor(model), clock, record: () => {} });
    const controller = new AbortController();
    const deltas: string[] = [];
    const invocation = invoker.invoke(chat, chat.input.parse({ message: 'hello' }), {
      requestId: 'abort-1',
      tenantId: 'default',
      signal: controller.signal,
      logger: createLogger({ level: 'silent' }),
      reporter: {
        emit: (event) => {
          if (event.type === 'text-delta') {
            deltas.push(event.delta);
            controller.abort();
          }
        },
        progress: () => {},
        step: (name, run) => run({ key: name }),
      },
    });
    await expect(invocation).rejects.toSatisfy(
      (error: unknown) => error instanceof AppError && error.code === 'CAPABILITY_ABORTED',
    );
    expect(deltas).toEqual(['partial']);
    expect((await conversations.list('default', { limit: 10 })).items).toEqual([]);
  });
});
