import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { LeanChatStreamModel } from './lean-chat-stream.ts';

// Decision 0206: the lean reader must yield what the AI SDK's OpenAI-compatible provider yields. Each case
// hands both the very same bytes (a fetch that answers from memory) and compares the parts.

const BASE_URL = 'http://upstream.test/v1';

interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** The body, as the byte chunks it arrives in. */
  readonly chunks: readonly Uint8Array[];
}

const encoder = new TextEncoder();

/** An SSE body of these chunk objects (or raw event payloads), then `[DONE]`. */
function sse(
  events: ReadonlyArray<object | string>,
  options: { crlf?: boolean; done?: boolean } = {},
): string {
  const end = options.crlf ? '\r\n' : '\n';
  const lines = events.map(
    (event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}${end}${end}`,
  );
  return lines.join('') + (options.done === false ? '' : `data: [DONE]${end}${end}`);
}

/** The text cut into pieces of `size` bytes (splitting lines, events and multi-byte characters). */
function pieces(text: string, size: number): Uint8Array[] {
  const bytes = encoder.encode(text);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

function answering(answer: Answer): { fetch: typeof fetch; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const fetchFromMemory = (async (_url: unknown, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of answer.chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    return new Response(stream, {
      status: answer.status ?? 200,
      headers: { 'content-type': 'text/event-stream', ...answer.headers },
    });
  }) as typeof fetch;
  return { fetch: fetchFromMemory, bodies };
}

function models(answer: Answer): { sdk: LanguageModelV4; lean: LanguageModelV4; bodies: unknown[] } {
  const { fetch, bodies } = answering(answer);
  const provider = createOpenAICompatible({ name: 'upstream', baseURL: BASE_URL, includeUsage: true, fetch });
  const sdk = provider.chatModel('m');
  const lean = new LeanChatStreamModel(provider.chatModel('m'), {
    url: `${BASE_URL}/chat/completions`,
    headers: {},
    fetch,
  });
  return { sdk, lean, bodies };
}

const CALL: LanguageModelV4CallOptions = {
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Name a keel.' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Fin keel.' }] },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Another' },
        { type: 'text', text: 'one?' },
      ],
    },
  ],
  maxOutputTokens: 64,
  temperature: 0.2,
  stopSequences: ['\n\n'],
};

async function parts(model: LanguageModelV4, options: LanguageModelV4CallOptions = CALL) {
  const { stream } = await model.doStream(options);
  const out: unknown[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    out.push(comparable(next.value));
  }
  return out;
}

/** Errors compared by class and message (instances differ); everything else as is. */
function comparable(part: LanguageModelV4StreamPart): unknown {
  if (part.type !== 'error') return part;
  const error = part.error as { name?: unknown; message?: unknown } | undefined;
  return {
    type: 'error',
    error: error instanceof Error ? { name: error.name, message: error.message } : error,
  };
}

const chunk = (delta: object, extra: object = {}) => ({
  id: 'chatcmpl-1',
  created: 1_765_000_000,
  model: 'm-2025',
  choices: [{ index: 0, delta, finish_reason: null }],
  ...extra,
});
const end = (reason: string, usage?: object) => ({
  id: 'chatcmpl-1',
  created: 1_765_000_000,
  model: 'm-2025',
  choices: [{ index: 0, delta: {}, finish_reason: reason }],
  ...(usage ? { usage } : {}),
});
const USAGE = {
  prompt_tokens: 12,
  completion_tokens: 9,
  total_tokens: 21,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3, accepted_prediction_tokens: 1 },
};

describe('the lean chat stream yields the AI SDK provider’s parts', () => {
  const cases: Array<[string, string, number]> = [
    [
      'text with usage',
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Bilge ' }),
        chunk({ content: 'keel.' }),
        end('stop'),
        { ...end('stop'), choices: [], usage: USAGE },
      ]),
      1 << 20,
    ],
    [
      'reasoning, then text',
      sse([
        chunk({ reasoning_content: 'Think ' }),
        chunk({ reasoning: 'more.' }),
        chunk({ content: 'Done.' }),
        end('stop', USAGE),
      ]),
      1 << 20,
    ],
    ['a refusal', sse([chunk({ refusal: 'I cannot.' }), end('stop')]), 1 << 20],
    [
      'content as an array of parts',
      sse([
        chunk({
          content: [
            { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
            { type: 'text', text: 'Yes.' },
          ],
        }),
        end('length'),
      ]),
      1 << 20,
    ],
    ['no finish reason', sse([chunk({ content: 'cut' })]), 1 << 20],
    ['a malformed chunk', sse([chunk({ content: 'a' }), '{"choices": [', end('stop')]), 1 << 20],
    [
      'an error chunk',
      sse([chunk({ content: 'a' }), { error: { message: 'overloaded', type: 'server_error', code: 503 } }]),
      1 << 20,
    ],
    ['content filter', sse([chunk({ content: 'x' }), end('content_filter')]), 1 << 20],
    [
      'CRLF lines and a body without [DONE]',
      sse([chunk({ content: 'crlf' }), end('stop', USAGE)], { crlf: true, done: false }),
      1 << 20,
    ],
    [
      'multi-byte text cut every 3 bytes',
      sse([chunk({ content: 'Quillé 🚤 ' }), chunk({ content: 'naïve' }), end('stop', USAGE)]),
      3,
    ],
    ['every byte apart', sse([chunk({ content: 'one' }), end('stop')]), 1],
  ];

  it.each(cases)('%s', async (_name, body, size) => {
    const { sdk, lean, bodies } = models({ chunks: pieces(body, size) });
    expect(await parts(lean)).toEqual(await parts(sdk));
    // Both sent the same request.
    expect(bodies[1]).toEqual(JSON.parse(JSON.stringify(bodies[0])));
  });

  it('sends `data:` without a space and multi-line data as one event', async () => {
    const body = `data:${JSON.stringify(chunk({ content: 'tight' }))}\n\ndata: {"id":"chatcmpl-1","created":1765000000,\ndata: "model":"m-2025","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`;
    const { sdk, lean } = models({ chunks: pieces(body, 7) });
    expect(await parts(lean)).toEqual(await parts(sdk));
  });

  it('fails an error status as the same APICallError (message, status, retryability, headers, body)', async () => {
    for (const answer of [
      {
        status: 429,
        headers: { 'retry-after': '3' },
        chunks: pieces('{"error":{"message":"slow down","type":"rate_limit"}}', 1 << 20),
      },
      { status: 500, chunks: pieces('upstream exploded', 1 << 20) },
      { status: 400, chunks: pieces('{"error":{"message":"bad max_tokens"}}', 1 << 20) },
      { status: 503, chunks: [] },
    ]) {
      const { sdk, lean } = models(answer);
      const [fromSdk, fromLean] = await Promise.all([
        sdk.doStream(CALL).then(
          () => undefined,
          (error: unknown) => error,
        ),
        lean.doStream(CALL).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ]);
      expect(APICallError.isInstance(fromLean)).toBe(true);
      const fields = (error: unknown) => {
        const { message, statusCode, isRetryable, responseBody, url, data } = error as APICallError;
        const retryAfter = (error as APICallError).responseHeaders?.['retry-after'];
        return { message, statusCode, isRetryable, responseBody, url, data, retryAfter };
      };
      expect(fields(fromLean)).toEqual(fields(fromSdk));
    }
  });

  it('fails an unreachable upstream as the same retryable APICallError, and passes an abort through', async () => {
    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    }) as typeof fetch;
    const provider = createOpenAICompatible({
      name: 'upstream',
      baseURL: BASE_URL,
      includeUsage: true,
      fetch: refused,
    });
    const lean = new LeanChatStreamModel(provider.chatModel('m'), {
      url: `${BASE_URL}/chat/completions`,
      headers: {},
      fetch: refused,
    });
    const [fromSdk, fromLean] = await Promise.all([
      Promise.resolve(provider.chatModel('m').doStream(CALL)).catch(
        (error: unknown) => error as APICallError,
      ),
      lean.doStream(CALL).catch((error: unknown) => error as APICallError),
    ]);
    const fields = (error: unknown) => ({
      message: (error as APICallError).message,
      isRetryable: (error as APICallError).isRetryable,
    });
    expect(APICallError.isInstance(fromLean)).toBe(true);
    expect(fields(fromLean)).toEqual(fields(fromSdk));

    const aborted = (async (_url: unknown, init?: RequestInit) => {
      init?.signal?.throwIfAborted();
      throw new Error('not aborted');
    }) as typeof fetch;
    const controller = new AbortController();
    controller.abort(new DOMException('client left', 'AbortError'));
    const leanAborted = new LeanChatStreamModel(provider.chatModel('m'), {
      url: BASE_URL,
      headers: {},
      fetch: aborted,
    });
    await expect(leanAborted.doStream({ ...CALL, abortSignal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('leaves tools, response formats, provider options and raw chunks to the AI SDK model', async () => {
    const body = sse([chunk({ content: 'ok' }), end('stop')]);
    for (const options of [
      { tools: [{ type: 'function' as const, name: 'f', inputSchema: { type: 'object' as const } }] },
      { responseFormat: { type: 'json' as const } },
      { providerOptions: { upstream: { user: 'u1' } } },
      { includeRawChunks: true },
      { topK: 3 },
    ]) {
      const { sdk, lean, bodies } = models({ chunks: pieces(body, 1 << 20) });
      expect(await parts(lean, { ...CALL, ...options })).toEqual(await parts(sdk, { ...CALL, ...options }));
      expect(bodies[1]).toEqual(bodies[0]);
    }
  });

  it('stops reading the upstream when its consumer cancels', async () => {
    let cancelled = false;
    const endless = (async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.enqueue(encoder.encode(sse([chunk({ content: 'more ' })], { done: false })));
          },
          cancel() {
            cancelled = true;
          },
        }),
      )) as typeof fetch;
    const provider = createOpenAICompatible({ name: 'upstream', baseURL: BASE_URL, fetch: endless });
    const lean = new LeanChatStreamModel(provider.chatModel('m'), {
      url: BASE_URL,
      headers: {},
      fetch: endless,
    });
    const { stream } = await lean.doStream(CALL);
    const reader = stream.getReader();
    for (let read = 0; read < 5; read++) await reader.read();
    await reader.cancel(new Error('client left'));
    expect(cancelled).toBe(true);
  });

  describe('plain (non-streamed) calls', () => {
    const completion = (message: object, extra: object = {}) =>
      JSON.stringify({
        id: 'chatcmpl-2',
        object: 'chat.completion',
        created: 1_765_000_000,
        model: 'm-2025',
        choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
        usage: USAGE,
        ...extra,
      });
    const json = (text: string, status = 200) => ({
      status,
      headers: { 'content-type': 'application/json' },
      chunks: pieces(text, 1 << 20),
    });

    async function outcome(model: LanguageModelV4, options: LanguageModelV4CallOptions = CALL) {
      try {
        return { result: await model.doGenerate(options) };
      } catch (error) {
        const { name, message, statusCode, isRetryable, responseBody } = error as APICallError;
        return { error: { name, message, statusCode, isRetryable, responseBody } };
      }
    }

    it.each([
      ['text with usage', completion({ content: 'A fin keel.' })],
      ['reasoning, then text', completion({ reasoning_content: 'Think.', content: 'Done.' })],
      ['a refusal', completion({ content: null, refusal: 'I cannot.' })],
      [
        'content as an array of parts',
        completion({
          content: [
            { type: 'thinking', thinking: [{ type: 'text', text: 'hmm' }] },
            { type: 'text', text: 'Yes.' },
          ],
        }),
      ],
      [
        'no usage, a length stop',
        completion(
          { content: 'cut' },
          { usage: null, choices: [{ index: 0, message: { content: 'cut' }, finish_reason: 'length' }] },
        ),
      ],
      [
        'no finish reason',
        completion({ content: 'x' }, { choices: [{ index: 0, message: { content: 'x' } }] }),
      ],
      ['no choices', completion({}, { choices: [] })],
      ['not JSON', 'upstream says hello'],
      ['a 200 carrying an error', JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })],
      ['a wrongly typed field', completion({ content: 42 })],
    ])('%s', async (_name, text) => {
      const { sdk, lean, bodies } = models(json(text));
      expect(await outcome(lean)).toEqual(await outcome(sdk));
      expect(bodies[1]).toEqual(bodies[0]);
    });

    it('fails error statuses as the same APICallError', async () => {
      for (const [text, status] of [
        ['{"error":{"message":"slow down"}}', 429],
        ['upstream exploded', 500],
        ['{"error":{"message":"bad max_tokens"}}', 400],
      ] as const) {
        const { sdk, lean } = models(json(text, status));
        expect(await outcome(lean)).toEqual(await outcome(sdk));
      }
    });

    it('leaves tools and structured output to the AI SDK model', async () => {
      const text = completion({ content: '{"a":1}' });
      for (const options of [
        { tools: [{ type: 'function' as const, name: 'f', inputSchema: { type: 'object' as const } }] },
        { responseFormat: { type: 'json' as const } },
      ]) {
        const { sdk, lean, bodies } = models(json(text));
        expect(await outcome(lean, { ...CALL, ...options })).toEqual(
          await outcome(sdk, { ...CALL, ...options }),
        );
        expect(bodies[1]).toEqual(bodies[0]);
      }
    });
  });
});
