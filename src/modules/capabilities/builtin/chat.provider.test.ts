import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../../test/fixtures/fake-openai/index.ts';
import { FAST_RESILIENCE } from '../../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../../test/support/test-app.ts';
import { MemoryConversationStore } from '../../conversations/index.ts';
import { emptyGatewaySettings, Gateway } from '../../gateway/index.ts';
import { createChatCapability } from './chat.capability.ts';

/** `chat` through the real OpenAI-compatible provider, streaming from the fake upstream. */

let fake: FakeOpenAI;
let app: TestApp;
const conversations = new MemoryConversationStore();

beforeAll(async () => {
  fake = await startFakeOpenAI({
    reply: (request) => `You said: ${request.lastUserMessage} (${request.messages.length} messages)`,
  });
  app = await buildTestApp({
    conversations,
    capabilities: [createChatCapability({ conversations, clock: { now: () => new Date() } })],
    models: new Gateway({
      settings: emptyGatewaySettings({
        providers: [
          {
            name: 'fake',
            kind: 'openai-compatible',
            baseUrl: fake.url,
            apiKey: 'test-key',
            headers: {},
            structuredOutputs: false,
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

async function chat(payload: object) {
  return app.app.inject({ method: 'POST', url: '/v1/chat', payload });
}

async function storedTurns(): Promise<number> {
  const page = await conversations.list('default', { limit: 200 });
  return page.items.reduce((sum, item) => sum + item.messageCount, 0);
}

describe('chat over an OpenAI-compatible upstream', () => {
  it('streams from the upstream, sends the history and the system prompt, and reports its usage', async () => {
    const first = await chat({ message: 'Hello', system: 'Be brief.' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      reply: 'You said: Hello (2 messages)',
      engine: 'model',
      model: 'fake:fake-model',
    });
    expect(first.json().usage.input_tokens).toBeGreaterThan(0);
    expect(first.json().usage.output_tokens).toBeGreaterThan(0);
    const id = first.json().conversation_id as string;

    const second = await chat({ conversation_id: id, message: 'Again' });
    expect(second.json().reply).toBe('You said: Again (4 messages)');
    const body = fake.requests.at(-1)?.body as {
      stream: boolean;
      messages: Array<{ role: string; content: unknown }>;
    };
    expect(body.stream).toBe(true);
    expect(body.messages.map((message) => [message.role, message.content])).toEqual([
      ['system', 'Be brief.'],
      ['user', 'Hello'],
      ['assistant', 'You said: Hello (2 messages)'],
      ['user', 'Again'],
    ]);
    expect((await conversations.get('default', id))?.messageCount).toBe(4);
  });

  it('stores nothing when the upstream cuts the stream mid-reply or sends a broken event', async () => {
    const before = await storedTurns();
    fake.enqueueFaults({ kind: 'cut', afterChunks: 3 });
    const cut = await chat({ message: 'Cut me off' });
    expect(cut.statusCode).toBeGreaterThanOrEqual(500);
    expect(cut.json().code).toMatch(/^GATEWAY_/);
    fake.enqueueFaults({ kind: 'malformed-json' });
    const malformed = await chat({ message: 'Break' });
    expect(malformed.statusCode).toBeGreaterThanOrEqual(500);
    expect(await storedTurns()).toBe(before);
  });

  it('aborts the upstream call when the client disconnects mid-stream, and stores nothing', async () => {
    const before = await storedTurns();
    fake.enqueueFaults({ kind: 'slow', tokenDelayMs: 50 });
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.app.server.address() as AddressInfo;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'one two three four five six seven eight nine ten' }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes('event: text-delta')) {
      const next = await reader.read();
      if (next.done) break;
      received += new TextDecoder().decode(next.value);
    }
    expect(received).toContain('event: text-delta');
    controller.abort();
    await reader.cancel().catch(() => {});
    // The abort reaches the upstream: wait for the fake to see its request dropped.
    for (let poll = 0; poll < 200 && fake.abortedRequests() === 0; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(fake.abortedRequests()).toBe(1);
    expect(await storedTurns()).toBe(before);
  });
});
