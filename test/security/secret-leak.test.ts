import { format } from 'node:util';
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KeelConfig } from '../../src/config/index.ts';
import { registerConfiguredSecrets } from '../../src/main/secrets.ts';
import { defineCapability } from '../../src/modules/capabilities/index.ts';
import { textParts } from '../support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Forces the error paths with every kind of secret present (the admin key, a provider key, API keys of
 * users, a key in a URL, keys pasted into prompts and echoed by a failing provider), then searches
 * everything Keel keeps or shows: log lines, exported spans, response bodies and headers, the request
 * log, model-call records and /metrics. None may contain a secret. Whatever the process prints (console,
 * stdout, stderr) while those paths run, streamed ones included, is searched too (issue 17, item 7).
 */

const ADMIN_KEY = 'admin-secret-Z9x8c7v6b5n4m3-bootstrap';
const PROVIDER_KEY = 'provider-secret-Q1w2e3r4t5y6u7i8o9';
const OPENAI_STYLE_KEY = 'sk-proj-LeakyLeakyLeakyLeaky1234567890';

let app: TestApp;
let userToken = '';
let revokedToken = '';
const bodies: string[] = [];
const headers: string[] = [];
/** Everything printed outside the logger while the error paths ran. */
const printed: string[] = [];

/** Records console calls and raw stdout/stderr writes (still passing them on); returns the undo. */
function capturePrinting(): () => void {
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const consoleOriginals = methods.map((method) => [method, console[method]] as const);
  for (const [method, original] of consoleOriginals) {
    console[method] = (...values: unknown[]) => {
      printed.push(format(...values));
      original(...values);
    };
  }
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      printed.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
  return () => {
    for (const [method, original] of consoleOriginals) console[method] = original;
    streams.forEach((stream, index) => {
      stream.write = writes[index] as typeof stream.write;
    });
  };
}

const leakyProvider = () =>
  new APICallError({
    message: `Incorrect API key provided: ${PROVIDER_KEY}. You passed ${userToken} and ${OPENAI_STYLE_KEY}`,
    url: `https://api.example.com/v1/chat/completions?key=${PROVIDER_KEY}`,
    requestBodyValues: { authorization: `Bearer ${PROVIDER_KEY}`, prompt: userToken },
    statusCode: 401,
    responseHeaders: { 'x-echo': PROVIDER_KEY },
    responseBody: JSON.stringify({ error: { message: `bad key ${PROVIDER_KEY}` } }),
  });

const leakyCapability = defineCapability({
  name: 'leaky',
  version: '1.0.0',
  summary: 'Throws errors full of secrets',
  description: 'A capability with a bug that puts keys into its error.',
  input: z.object({ text: z.string() }),
  output: z.object({ ok: z.boolean() }),
  run: async (input, context) => {
    context.logger.error(
      { apiKey: PROVIDER_KEY, note: `user sent ${input.text}` },
      `about to fail with ${ADMIN_KEY}`,
    );
    throw new TypeError(`cannot use ${PROVIDER_KEY} or ${userToken} or ${ADMIN_KEY}`);
  },
});

function secrets(): string[] {
  return [ADMIN_KEY, PROVIDER_KEY, OPENAI_STYLE_KEY, userToken, revokedToken, userToken.slice(22)];
}

async function call(options: InjectOptions) {
  const response = await app.app.inject(options);
  bodies.push(response.body);
  headers.push(JSON.stringify(response.headers));
  return response;
}

beforeAll(async () => {
  registerConfiguredSecrets({
    auth: { adminKey: ADMIN_KEY },
    models: { openai: { apiKey: PROVIDER_KEY, baseUrl: undefined, model: undefined } },
  } as unknown as KeelConfig);
  let streamCalls = 0;
  const model = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: async () => {
      throw leakyProvider();
    },
    doStream: async () => {
      streamCalls += 1;
      if (streamCalls === 1) throw leakyProvider();
      const parts = textParts('partial answer');
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of parts.slice(0, 4)) controller.enqueue(part);
            controller.enqueue({ type: 'error', error: leakyProvider() });
            controller.close();
          },
        }),
      };
    },
  });
  app = await buildTestApp({ adminKey: ADMIN_KEY, model, extraCapabilities: [leakyCapability] });
  userToken = (
    await app.keys.create({
      name: 'user',
      tenantId: 'acme',
      scopes: ['capability:*', 'openai:*', 'requests:read'],
    })
  ).token;
  const revoked = await app.keys.create({ name: 'old', tenantId: 'acme', scopes: ['capability:*'] });
  revokedToken = revoked.token;
  await app.keys.revoke(revoked.key.id);

  const user = { authorization: `Bearer ${userToken}` };
  const stopCapturing = capturePrinting();
  try {
    await driveErrorPaths(user);
  } finally {
    stopCapturing();
  }
  bodies.push(
    (
      await app.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      })
    ).body,
  );
});
afterAll(async () => app?.close());

async function driveErrorPaths(user: Record<string, string>) {
  await call({ method: 'GET', url: '/v1/requests' });
  await call({
    method: 'GET',
    url: '/v1/requests',
    headers: { authorization: `Bearer ${OPENAI_STYLE_KEY}` },
  });
  await call({ method: 'GET', url: '/v1/requests', headers: { authorization: `Bearer ${revokedToken}` } });
  await call({ method: 'GET', url: `/v1/requests?api_key=${userToken}` });
  await call({ method: 'GET', url: `/v1/requests?api_key=${ADMIN_KEY}`, headers: user });
  await call({ method: 'GET', url: '/v1/admin/keys', headers: user });
  await call({
    method: 'POST',
    url: '/v1/generate',
    headers: user,
    payload: { user_input: `my key is ${userToken} and ${ADMIN_KEY}` },
  });
  await call({ method: 'POST', url: '/v1/leaky', headers: user, payload: { text: `token ${userToken}` } });
  await call({
    method: 'POST',
    url: '/v1/generate',
    headers: user,
    payload: { user_input: 'x', [OPENAI_STYLE_KEY]: PROVIDER_KEY },
  });
  const chat = (stream: boolean) =>
    call({
      method: 'POST',
      url: '/openai/v1/chat/completions',
      headers: user,
      payload: {
        model: 'default',
        stream,
        messages: [{ role: 'user', content: `use ${PROVIDER_KEY} ${userToken}` }],
      },
    });
  await chat(true);
  await chat(true);
  await chat(false);
  // Streamed capabilities: the provider fails before the stream starts, and after some text.
  for (const url of ['/v1/generate', '/v1/generate', '/v1/chat']) {
    await call({
      method: 'POST',
      url,
      headers: { ...user, accept: 'text/event-stream' },
      payload: url === '/v1/chat' ? { message: `hi ${userToken}` } : { user_input: `hi ${userToken}` },
    });
  }
  await app.writer.flush();
  await app.modelCallWriter.flush();
}

function leaks(haystack: string): string[] {
  return secrets().filter((secret) => secret.length > 0 && haystack.includes(secret));
}

describe('secrets never leak', () => {
  it('the error paths actually ran (401s, 400, 403, provider failures, a defect, a mid-stream error)', () => {
    const codes = bodies.map((body) => /"code":"([A-Z_]+)"/.exec(body)?.[1]).filter(Boolean);
    expect(codes).toEqual(
      expect.arrayContaining([
        'AUTH_REQUIRED',
        'AUTH_INVALID',
        'AUTH_KEY_REVOKED',
        'AUTH_KEY_IN_QUERY',
        'AUTH_SCOPE_MISSING',
        'GATEWAY_REQUEST_REJECTED',
        'INTERNAL_ERROR',
        'REQUEST_VALIDATION_FAILED',
      ]),
    );
    expect(bodies.some((body) => body.includes('data: {"error"'))).toBe(true);
    expect(app.logs.raw.some((line) => line.includes('"level":"error"') && line.includes('TypeError'))).toBe(
      true,
    );
  });

  it('not printed: nothing on the console, stdout or stderr holds a secret, streamed paths included', () => {
    expect(bodies.filter((body) => body.includes('event: error')).length).toBeGreaterThanOrEqual(3);
    expect(leaks(printed.join('\n'))).toEqual([]);
  });

  it('not in the logs', () => {
    expect(leaks(app.logs.raw.join('\n'))).toEqual([]);
    expect(app.logs.raw.join('\n')).toContain('[redacted]');
  });

  it('not in response bodies or headers (problem documents, OpenAI errors, stream events)', () => {
    expect(leaks(bodies.join('\n'))).toEqual([]);
    expect(leaks(headers.join('\n'))).toEqual([]);
  });

  it('not in exported spans', () => {
    const spans = app.spans.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(5);
    const exported = JSON.stringify(
      spans.map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
        links: span.links,
      })),
    );
    expect(leaks(exported)).toEqual([]);
  });

  it('not in the request log or the model-call records', async () => {
    const records = [
      ...(await app.store.list('acme', { limit: 200 })).items,
      ...(await app.store.list('default', { limit: 200 })).items,
    ];
    expect(records.length).toBeGreaterThan(3);
    expect(leaks(JSON.stringify(records))).toEqual([]);
    const calls = await app.modelCallStore.list('acme', { limit: 200 });
    expect(leaks(JSON.stringify(calls))).toEqual([]);
  });
});
