import type { AddressInfo } from 'node:net';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answer, textParts, upstreamError, usage } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { type CapabilityStreamEvent, parseCapabilityStream } from '../../client/capability-stream.ts';
import { defineCapability } from './define-capability.ts';

const SSE = { accept: 'text/event-stream' };

function streamingModel(text: string): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'mock-1',
    doGenerate: answer(text, usage(5, 2)),
    doStream: async () => ({ stream: simulateReadableStream({ chunks: textParts(text, usage(5, 2)) }) }),
  });
}

async function eventsOf(payload: string): Promise<CapabilityStreamEvent[]> {
  const body = new Response(payload).body;
  if (body === null) throw new Error('no body');
  const events: CapabilityStreamEvent[] = [];
  for await (const event of parseCapabilityStream(body)) events.push(event);
  return events;
}

/** A test-only structured capability: emits growing partials of its output, then returns it. */
const outline = defineCapability({
  name: 'test-outline',
  version: '1.0.0',
  summary: 'Test outline',
  description: 'Emits object-delta partials.',
  input: z.object({ topic: z.string().min(1), fail: z.boolean().default(false) }).strict(),
  output: z.object({ title: z.string(), points: z.array(z.string()) }),
  async run(input, context) {
    const points: string[] = [];
    context.emit({ type: 'object-delta', partial: { title: input.topic } });
    for (const point of ['one', 'two']) {
      points.push(point);
      context.emit({ type: 'object-delta', partial: { title: input.topic, points: [...points] } });
    }
    if (input.fail) throw new Error('secret internals');
    return { title: input.topic, points };
  },
});

describe('streamed capability calls (Accept: text/event-stream)', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('streams generate as text-delta events, then usage, then done with the same object as sync', async () => {
    const model = streamingModel('It keeps the boat upright');
    app = await buildTestApp({ model });
    const payload = { user_input: 'Name a use of a keel.', max_tokens: 50 };
    const streamed = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { ...SSE, 'x-request-id': 'stream-ok-1' },
      payload,
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(streamed.headers['cache-control']).toBe('no-cache, no-transform');
    const events = await eventsOf(streamed.payload);
    const types = events.map((event) => event.type);
    expect(types).toEqual([
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'text-delta',
      'usage',
      'done',
    ]);
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const text = events.flatMap((event) => (event.type === 'text-delta' ? [event.data.delta] : [])).join('');
    expect(text).toBe('It keeps the boat upright');
    expect(events[5]).toMatchObject({
      type: 'usage',
      data: { input_tokens: 5, output_tokens: 2, calls: 1, models: ['mock:mock-1'] },
    });
    // The model was streamed, not called plainly.
    expect(model.doStreamCalls).toHaveLength(1);
    expect(model.doGenerateCalls).toHaveLength(0);

    const sync = await app.app.inject({ method: 'POST', url: '/v1/generate', payload });
    expect(sync.statusCode).toBe(200);
    expect(model.doGenerateCalls).toHaveLength(1);
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    expect(done?.data).toEqual({ output: sync.json() });

    await app.writer.flush();
    expect(await app.store.get('default', 'stream-ok-1')).toMatchObject({
      capability: 'generate',
      outcome: 'succeeded',
      httpStatus: 200,
      inputTokens: 5,
      outputTokens: 2,
      output: sync.json(),
    });
  });

  it('streams object-delta partials of a structured output, each a prefix of the final shape', async () => {
    app = await buildTestApp({ extraCapabilities: [outline] });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/test-outline',
      headers: SSE,
      payload: { topic: 'keels' },
    });
    const events = await eventsOf(response.payload);
    expect(events.map((event) => event.type)).toEqual([
      'object-delta',
      'object-delta',
      'object-delta',
      'usage',
      'done',
    ]);
    expect(events[2]?.data).toEqual({ partial: { title: 'keels', points: ['one', 'two'] } });
    expect(events.at(-1)?.data).toEqual({ output: { title: 'keels', points: ['one', 'two'] } });
    expect(events[3]?.data).toMatchObject({ input_tokens: 0, output_tokens: 0, calls: 0 });
  });

  it('ends with an error event carrying the problem fields when the capability fails', async () => {
    app = await buildTestApp({ extraCapabilities: [outline] });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/test-outline',
      headers: { ...SSE, 'x-request-id': 'stream-fail-1' },
      payload: { topic: 'keels', fail: true },
    });
    expect(response.statusCode).toBe(200);
    const events = await eventsOf(response.payload);
    expect(events.map((event) => event.type)).toEqual([
      'object-delta',
      'object-delta',
      'object-delta',
      'usage',
      'error',
    ]);
    const error = events.at(-1);
    expect(error?.data).toMatchObject({
      code: 'INTERNAL_ERROR',
      status: 500,
      request_id: 'stream-fail-1',
      type: 'urn:keel:error:INTERNAL_ERROR',
      instance: '/v1/test-outline',
      retryable: expect.any(Boolean),
      message: expect.any(String),
    });
    expect(JSON.stringify(error?.data)).not.toContain('secret internals');
  });

  it('sends an error event when the model fails mid-stream, after the deltas it sent', async () => {
    const parts = textParts('half an').slice(0, 4);
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-1',
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          // The first token arrives, then the provider fails: past the point where the gateway may retry.
          pull(controller) {
            const part = parts.shift();
            if (part) controller.enqueue(part);
            else controller.error(upstreamError(500));
          },
        }),
      }),
    });
    app = await buildTestApp({ model });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { ...SSE, 'x-request-id': 'stream-model-fail' },
      payload: { user_input: 'hi' },
    });
    const events = await eventsOf(response.payload);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('text-delta');
    expect(types.at(-1)).toBe('error');
    expect(types).not.toContain('done');
    const error = events.at(-1);
    expect(error?.type).toBe('error');
    if (error?.type !== 'error') return;
    expect(error.data.status).toBeGreaterThanOrEqual(500);
    expect(error.data.code).toMatch(/^GATEWAY_/);
    expect(JSON.stringify(error.data)).not.toContain('sk-secret-value');
    await app.writer.flush();
    expect(await app.store.get('default', 'stream-model-fail')).toMatchObject({
      capability: 'generate',
      outcome: 'failed',
      errorCode: error.data.code,
    });
  });

  it('answers MODEL_NOT_CONFIGURED as an error event when no model is configured', async () => {
    app = await buildTestApp();
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: SSE,
      payload: { user_input: 'hi' },
    });
    const events = await eventsOf(response.payload);
    expect(events.map((event) => event.type)).toEqual(['usage', 'error']);
    expect(events[1]?.data).toMatchObject({ code: 'MODEL_NOT_CONFIGURED', status: 503 });
    // The fields of the problem document the sync call answers, plus `message`.
    const sync = await app.app.inject({ method: 'POST', url: '/v1/generate', payload: { user_input: 'hi' } });
    expect(sync.statusCode).toBe(503);
    const { request_id: _sync, ...problem } = sync.json();
    const data = (events[1]?.data ?? {}) as Record<string, unknown>;
    const { request_id: _streamed, message, ...streamed } = data;
    expect(streamed).toEqual(problem);
    expect(message).toBe(problem.detail ?? problem.title);
  });

  it('rejects an invalid body with an ordinary 400 problem before any stream starts', async () => {
    app = await buildTestApp({ model: streamingModel('x') });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: SSE,
      payload: { user_input: '' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'REQUEST_VALIDATION_FAILED' });
  });

  it('counts against the key’s concurrent streams', async () => {
    const slow = defineCapability({
      name: 'test-wait',
      version: '1.0.0',
      summary: 'Waits',
      description: 'Waits for its signal.',
      input: z.object({}).strict(),
      output: z.object({}),
      run: (_input, context) =>
        new Promise((resolve) => context.signal.addEventListener('abort', () => resolve({}))),
    });
    app = await buildTestApp({ extraCapabilities: [slow], defaultLimits: { concurrentStreams: 1 } });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const first = new AbortController();
    const held = await fetch(`${address}/v1/test-wait`, {
      method: 'POST',
      headers: { ...SSE, 'content-type': 'application/json' },
      body: '{}',
      signal: first.signal,
    });
    expect(held.status).toBe(200);
    const second = await fetch(`${address}/v1/test-wait`, {
      method: 'POST',
      headers: { ...SSE, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ code: 'LIMIT_STREAMS_EXCEEDED' });
    first.abort();
  });

  it('ends a stream still running at the shutdown deadline with a SERVICE_SHUTTING_DOWN error event', async () => {
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const endless = defineCapability({
      name: 'test-endless',
      version: '1.0.0',
      summary: 'Runs until aborted',
      description: 'Emits one delta, then waits for its signal.',
      input: z.object({}).strict(),
      output: z.object({}),
      run: (_input, context) =>
        new Promise((_resolve, reject) => {
          context.emit({ type: 'text-delta', delta: 'partial' });
          started();
          // As a model call does: an AbortError, not the signal's reason.
          context.signal.addEventListener('abort', () =>
            reject(new DOMException('This operation was aborted', 'AbortError')),
          );
        }),
    });
    app = await buildTestApp({ extraCapabilities: [endless] });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/v1/test-endless`, {
      method: 'POST',
      headers: { ...SSE, 'content-type': 'application/json', 'x-request-id': 'stream-shutdown-1' },
      body: '{}',
    });
    await running;
    app.shutdownGate.reachDeadline();
    const events = await eventsOf(await response.text());
    expect(events.map((event) => event.type)).toEqual(['text-delta', 'usage', 'error']);
    expect(events.at(-1)).toMatchObject({
      data: { code: 'SERVICE_SHUTTING_DOWN', status: 503, retryable: true },
    });
    await app.writer.flush();
    expect(await app.store.get('default', 'stream-shutdown-1')).toMatchObject({
      errorCode: 'SERVICE_SHUTTING_DOWN',
    });
  });

  it('writes heartbeat comments on an idle stream', async () => {
    let release: () => void = () => {};
    const idle = defineCapability({
      name: 'test-idle',
      version: '1.0.0',
      summary: 'Idles',
      description: 'Waits to be released.',
      input: z.object({}).strict(),
      output: z.object({ ok: z.boolean() }),
      run: () =>
        new Promise<{ ok: boolean }>((resolve) => {
          release = () => resolve({ ok: true });
        }),
    });
    app = await buildTestApp({
      extraCapabilities: [idle],
      capabilityCalls: { stream: { heartbeatMs: 5 } },
    });
    const address = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/v1/test-idle`, {
      method: 'POST',
      headers: { ...SSE, 'content-type': 'application/json' },
      body: '{}',
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': keep-alive\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain(': keep-alive\n\n');
    release();
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('event: done\ndata: {"output":{"ok":true}}');
  });

  it('aborts the model call when the client disconnects', async () => {
    let modelSignal: AbortSignal | undefined;
    let aborted: () => void = () => {};
    const abortSeen = new Promise<void>((resolve) => {
      aborted = resolve;
    });
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'mock-1',
      doStream: async ({ abortSignal }) => {
        modelSignal = abortSignal;
        abortSignal?.addEventListener('abort', () => aborted());
        return {
          stream: new ReadableStream<LanguageModelV4StreamPart>({
            start(controller) {
              for (const part of textParts('first words').slice(0, 4)) controller.enqueue(part);
              abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason));
            },
          }),
        };
      },
    });
    app = await buildTestApp({ model });
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.app.server.address() as AddressInfo;
    const client = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/generate`, {
      method: 'POST',
      headers: { ...SSE, 'content-type': 'application/json', 'x-request-id': 'stream-abort-1' },
      body: JSON.stringify({ user_input: 'hi' }),
      signal: client.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('event: text-delta');
    client.abort();
    await abortSeen;
    expect(modelSignal?.aborted).toBe(true);
    // The request log records the call as aborted once the invocation has unwound.
    await expect
      .poll(async () => {
        await app?.writer.flush();
        return (await app?.store.get('default', 'stream-abort-1'))?.outcome;
      })
      .toBe('aborted');
  });

  it('documents the event stream in OpenAPI next to the JSON answer', async () => {
    app = await buildTestApp();
    const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const ok = document.paths['/v1/generate'].post.responses['200'];
    expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/event-stream']);
    expect(JSON.stringify(ok.content['text/event-stream'])).toContain('GenerateStreamEvent');
    expect(document.components.schemas.GenerateStreamEvent).toBeDefined();
  });
});
