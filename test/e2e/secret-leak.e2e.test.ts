import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * A real `keel serve` configured with an admin key and a provider key, driven down its error paths
 * (bad keys, a key in a URL, a provider that echoes its key back in a 401): its stdout, stderr and
 * responses never contain either key. Every streamed path is driven too (issue 17, item 7: the AI SDK's
 * default `onError` printed a streamed call's raw error, the key included, to stdout): nothing may print
 * outside the redacting logger, so every line the process writes must be a JSON log line.
 */
const ADMIN_KEY = 'e2e-admin-secret-K8j7h6g5f4d3s2a1';
const PROVIDER_KEY = 'e2e-provider-secret-P0o9i8u7y6t5r4';

describe('secrets in a real process', () => {
  let upstream: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const bodies: string[] = [];
  beforeAll(async () => {
    directory = await temporaryDirectory();
    upstream = await startFakeOpenAI();
    keel = await startKeel(
      {
        KEEL_DATA_DIR: 'memory://',
        KEEL_ADMIN_KEY: ADMIN_KEY,
        OPENAI_API_KEY: PROVIDER_KEY,
        OPENAI_BASE_URL: upstream.url,
        KEEL_MODEL: 'fake-model',
        LOG_LEVEL: 'debug',
      },
      directory.path,
    );
    // A cold start takes over a minute on a loaded 2-core machine.
  }, 180_000);
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  it('keeps both keys out of logs and responses on every error path', async () => {
    const send = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${keel.url}${path}`, init);
      bodies.push(await response.text(), JSON.stringify([...response.headers]));
      return response.status;
    };
    const json = (token: string, body: unknown): RequestInit => ({
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(await send('/v1/requests', { headers: { authorization: `Bearer ${PROVIDER_KEY}` } })).toBe(401);
    expect(await send(`/v1/requests?api_key=${ADMIN_KEY}`)).toBe(400);
    upstream.enqueueFaults({
      kind: 'status',
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${PROVIDER_KEY}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    expect(await send('/v1/generate', json(ADMIN_KEY, { user_input: `echo ${ADMIN_KEY}` }))).toBe(502);
    upstream.enqueueFaults({
      kind: 'status',
      status: 403,
      body: { error: { message: `forbidden for ${PROVIDER_KEY}` } },
    });
    expect(
      await send(
        '/openai/v1/chat/completions',
        json(ADMIN_KEY, { model: 'default', messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).toBeGreaterThanOrEqual(400);
    // The upstream did receive the provider key: it was present on these paths.
    expect(
      upstream.requests.some((request) => request.headers.authorization === `Bearer ${PROVIDER_KEY}`),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const everything = [...keel.logs.map((entry) => JSON.stringify(entry)), ...keel.stderr, ...bodies].join(
      '\n',
    );
    expect(everything).not.toContain(ADMIN_KEY);
    expect(everything).not.toContain(PROVIDER_KEY);
    expect(keel.logs.length).toBeGreaterThan(5);
    // The provider's echo of its key was logged (as the cause of the 502), redacted.
    expect(everything).toContain('[redacted]');
  }, 60_000);

  it('prints nothing outside the logger on any streamed path when the upstream 401 echoes its key', async () => {
    const logsBefore = keel.logs.length;
    const requestsBefore = upstream.requests.length;
    upstream.setDefaultFault({
      kind: 'status',
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${PROVIDER_KEY}. You can find your API key at https://example.com.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    const headers = {
      authorization: `Bearer ${ADMIN_KEY}`,
      'content-type': 'application/json',
    };
    const streamed = { ...headers, accept: 'text/event-stream' };
    const read = async (path: string, init: RequestInit) => {
      const response = await fetch(`${keel.url}${path}`, init);
      const text = await response.text();
      bodies.push(text);
      return { status: response.status, text };
    };
    try {
      // Capability streams: generate (streamText), chat (streamText with a conversation).
      const generate = await read('/v1/generate', {
        method: 'POST',
        headers: streamed,
        body: JSON.stringify({ user_input: 'hello' }),
      });
      expect(generate.text).toContain('event: error');
      const chat = await read('/v1/chat', {
        method: 'POST',
        headers: streamed,
        body: JSON.stringify({ message: 'hello' }),
      });
      expect(chat.text).toContain('event: error');
      // The OpenAI-compatible stream.
      await read('/openai/v1/chat/completions', {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'default', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      // A job and an agent run (a job too), followed on their event streams until they end.
      const job = JSON.parse(
        (
          await read('/v1/jobs', {
            method: 'POST',
            headers,
            body: JSON.stringify({ capability: 'generate', input: { user_input: 'hello' } }),
          })
        ).text,
      ) as { id: string };
      const run = JSON.parse(
        (await read('/v1/agents/runs', { method: 'POST', headers, body: JSON.stringify({ goal: 'say hi' }) }))
          .text,
      ) as { id: string };
      expect(job.id).toEqual(expect.any(String));
      expect(run.id).toEqual(expect.any(String));
      // Both ran against the upstream at least once (a retry may be scheduled; that is not the point).
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${keel.url}/v1/jobs/${job.id}`, { headers })).json()) as {
                attempts: number;
              }
            ).attempts,
          { timeout: 90_000, interval: 500 },
        )
        .toBeGreaterThanOrEqual(1);
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${keel.url}/v1/agents/runs/${run.id}`, { headers })).json()) as {
                status: string;
              }
            ).status,
          { timeout: 90_000, interval: 500 },
        )
        .not.toMatch(/^(queued|running)$/);
      await read(`/v1/jobs/${job.id}/events`, { headers: { ...headers, accept: 'text/event-stream' } });
      await read(`/v1/agents/runs/${run.id}/stream`, {
        headers: { ...headers, accept: 'text/event-stream' },
      });
    } finally {
      upstream.setDefaultFault(undefined);
    }
    // The capability streams, the OpenAI stream and the job reached the upstream, which echoed the key.
    expect(upstream.requests.length - requestsBefore).toBeGreaterThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing but JSON log lines on stdout, nothing at all on stderr (keel-process puts both in `stderr`).
    expect(keel.stderr).toEqual([]);
    const printed = [...keel.logs.slice(logsBefore).map((entry) => JSON.stringify(entry)), ...bodies].join(
      '\n',
    );
    expect(printed).not.toContain(PROVIDER_KEY);
    expect(printed).not.toContain(ADMIN_KEY);
  }, 240_000);
});
