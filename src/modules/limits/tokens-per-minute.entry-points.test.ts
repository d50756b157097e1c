import type { LanguageModelV4StreamPart, LanguageModelV4Usage } from '@ai-sdk/provider';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textParts, usage } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import { noCost } from '../../platform/telemetry/index.ts';
import { MemoryAgentStore } from '../agents/index.ts';
import { silentObserver } from './limits-observer.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';
import { createModelLimitsMiddleware } from './model-limits.middleware.ts';
import { loadTokenizer } from './token-estimate.ts';

/**
 * Issue 17 item 4: one tokens-per-minute limit over every entry point that reaches a model. Each call
 * uses about 1,200 tokens; the key may use 2,000 a minute, and a call with no `max_tokens` is estimated
 * at its prompt + 1,024. So on every entry point the first call runs and the second is refused with
 * LIMIT_TOKENS_EXCEEDED before the model is called, and the request log holds the first call's tokens.
 * Run twice: with an upstream that reports usage, and with one that reports none in streams or answers
 * (servers that ignore `include_usage`), where Keel's own count must stand in, never zero.
 */

const ADMIN_KEY = 'keel-admin-key-for-entry-point-tests-0123456789';
const LIMIT = 5_000;
const OUTPUT_WORDS = 5_000;
const ANSWER = Array.from({ length: OUTPUT_WORDS }, () => 'a').join(' ');
const REPORTED = usage(200, OUTPUT_WORDS);
const UNREPORTED: LanguageModelV4Usage = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

type Upstream = 'reports usage' | 'reports no usage';

function upstreamModel(mode: Upstream): MockLanguageModelV4 {
  const tokens = mode === 'reports usage' ? REPORTED : UNREPORTED;
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: async () => ({
      content: [{ type: 'text', text: ANSWER }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: tokens,
      warnings: [],
    }),
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          for (const part of textParts(ANSWER, tokens)) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

type Json = Record<string, unknown>;
/** One call through an entry point: whether it ran, or the error code it was refused with. */
type Outcome = { readonly ran: true } | { readonly ran: false; readonly code: string | undefined };

const authOf = (token: string) => ({ authorization: `Bearer ${token}` });

async function poll<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('did not settle');
}

function sseEvents(body: string): Array<{ event: string; data: Json }> {
  return body
    .split('\n\n')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
      return data === undefined || data === '[DONE]' ? undefined : { event, data: JSON.parse(data) as Json };
    })
    .filter((event): event is { event: string; data: Json } => event !== undefined);
}

function problemOutcome(status: number, body: Json): Outcome {
  if (status === 200 || status === 202) return { ran: true };
  const error = (body.error as Json | undefined) ?? body;
  return { ran: false, code: error.code as string | undefined };
}

const entryPoints: ReadonlyArray<{ name: string; call: (app: TestApp, token: string) => Promise<Outcome> }> =
  [
    {
      name: 'sync capability',
      call: async (app, token) => {
        const response = await app.app.inject({
          method: 'POST',
          url: '/v1/generate',
          headers: authOf(token),
          payload: { user_input: 'hi' },
        });
        return problemOutcome(response.statusCode, response.json());
      },
    },
    {
      name: 'streamed capability',
      call: async (app, token) => {
        const response = await app.app.inject({
          method: 'POST',
          url: '/v1/generate',
          headers: { ...authOf(token), accept: 'text/event-stream' },
          payload: { user_input: 'hi' },
        });
        if (response.statusCode !== 200) return problemOutcome(response.statusCode, response.json());
        const error = sseEvents(response.body).find((event) => event.event === 'error');
        return error ? { ran: false, code: error.data.code as string } : { ran: true };
      },
    },
    {
      name: 'batch',
      call: async (app, token) => {
        const response = await app.app.inject({
          method: 'POST',
          url: '/v1/generate/batch',
          headers: authOf(token),
          payload: { items: [{ user_input: 'hi' }] },
        });
        const item = (response.json() as { results: Json[] }).results[0] as Json;
        return item.status === 'succeeded'
          ? { ran: true }
          : { ran: false, code: (item.problem as Json | undefined)?.code as string };
      },
    },
    {
      name: 'job',
      call: async (app, token) => {
        const created = await app.app.inject({
          method: 'POST',
          url: '/v1/generate/jobs',
          headers: authOf(token),
          payload: { user_input: 'hi' },
        });
        expect(created.statusCode).toBe(202);
        const id = (created.json() as Json).id as string;
        return poll(async () => {
          const job = (
            await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: authOf(token) })
          ).json() as Json;
          if (job.status === 'succeeded') return { ran: true } as const;
          // A refused attempt fails the job or queues it for a retry after `retry-after`.
          const error = job.error as Json | null;
          return error ? ({ ran: false, code: error.code as string } as const) : undefined;
        });
      },
    },
    {
      name: 'MCP tool call',
      call: async (app, token) => {
        const response = await app.app.inject({
          method: 'POST',
          url: '/mcp',
          headers: { ...authOf(token), accept: 'application/json, text/event-stream' },
          payload: {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'generate', arguments: { user_input: 'hi' } },
          },
        });
        const message = response.headers['content-type']?.toString().startsWith('text/event-stream')
          ? (sseEvents(response.body)[0]?.data as Json)
          : (response.json() as Json);
        const result = message.result as { isError?: boolean; content: Array<{ text: string }> };
        if (!result.isError) return { ran: true };
        return { ran: false, code: /[A-Z]+_[A-Z_]+/.exec(JSON.stringify(result.content))?.[0] };
      },
    },
    {
      name: 'agent run',
      call: async (app, token) => {
        const created = await app.app.inject({
          method: 'POST',
          url: '/v1/agents/runs',
          headers: authOf(token),
          payload: { goal: 'Say hi', tools: ['calculator'] },
        });
        expect(created.statusCode).toBe(202);
        const id = (created.json() as Json).id as string;
        return poll(async () => {
          const run = (
            await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: authOf(token) })
          ).json() as Json;
          if (run.status === 'succeeded') return { ran: true } as const;
          const error = run.error as Json | null | undefined;
          if (error) return { ran: false, code: error.code as string } as const;
          return run.status === 'failed' ? ({ ran: false, code: undefined } as const) : undefined;
        });
      },
    },
    ...[false, true].map((stream) => ({
      name: `/openai/v1 ${stream ? 'stream' : 'JSON'}`,
      call: async (app: TestApp, token: string): Promise<Outcome> => {
        const response = await app.app.inject({
          method: 'POST',
          url: '/openai/v1/chat/completions',
          headers: authOf(token),
          payload: { model: 'default', messages: [{ role: 'user', content: 'hi' }], stream },
        });
        if (response.statusCode !== 200) return problemOutcome(response.statusCode, response.json());
        if (!stream) return { ran: true };
        const error = sseEvents(response.body).find((event) => event.data.error !== undefined);
        return error ? { ran: false, code: (error.data.error as Json).code as string } : { ran: true };
      },
    })),
  ];

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});
// The fallback count is exact once the tokenizer is loaded; load it first so the figures are stable.
beforeAll(() => loadTokenizer());

describe.each<Upstream>(['reports usage', 'reports no usage'])('tokens per minute, upstream %s', (mode) => {
  it.each(entryPoints)('$name: the same limit trips, and the request log holds the tokens', async (entry) => {
    const model = upstreamModel(mode);
    app = await buildTestApp({ adminKey: ADMIN_KEY, model, agents: { store: new MemoryAgentStore() } });
    const { token } = await app.keys.create({
      name: 'limited',
      tenantId: 'acme',
      scopes: ['capability:*', 'openai:*', 'jobs:*', 'agents:*', 'tools:*', 'mcp:connect', 'requests:read'],
      limits: { tokensPerMinute: LIMIT },
    });
    expect(await entry.call(app, token)).toEqual({ ran: true });
    const modelCalls = model.doGenerateCalls.length + model.doStreamCalls.length;
    expect(modelCalls).toBe(1);

    expect(await entry.call(app, token)).toEqual({ ran: false, code: 'LIMIT_TOKENS_EXCEEDED' });
    // Refused before the model was called.
    expect(model.doGenerateCalls.length + model.doStreamCalls.length).toBe(modelCalls);

    await app.writer.flush();
    const records = (await app.store.list('acme', { limit: 50 })).items;
    const withModel = records.filter((record) => record.outputTokens > 0);
    expect(withModel.length, JSON.stringify(records)).toBeGreaterThanOrEqual(1);
    for (const record of withModel) {
      expect(record.outputTokens).toBeGreaterThanOrEqual(OUTPUT_WORDS);
      expect(record.inputTokens).toBeGreaterThan(0);
    }
  });
});

describe('tokens per minute without the gateway', () => {
  it('keeps the estimate of a call whose usage nobody reported, instead of refunding it', async () => {
    const middleware = createModelLimitsMiddleware({
      store: new MemoryLimitStore(),
      observer: silentObserver,
      limitsFor: () => ({ tokensPerMinute: 500 }),
      costOf: noCost,
    });
    const model = wrapLanguageModel({ model: upstreamModel('reports no usage'), middleware });
    const context = createRequestContext({ requestId: 'r', tenantId: 't', keyId: 'key_0123456789abcdef' });
    const call = () =>
      runWithRequestContext(context, () =>
        generateText({ model, prompt: 'hi', maxOutputTokens: 200, maxRetries: 0 }),
      );
    // Each call reserves ~210; two fit in 500 and stay counted, so the third does not.
    await call();
    await call();
    await expect(call()).rejects.toMatchObject({ code: 'LIMIT_TOKENS_EXCEEDED' });
  });
});
