import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/fixtures/fake-openai/index.ts';
import { jobTestCapabilities } from '../../../test/fixtures/job-capabilities.ts';
import { FAST_RESILIENCE } from '../../../test/support/gateway-fixtures.ts';
import { loopbackWebhooks, memoryJobs } from '../../../test/support/jobs.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';
import { verifyWebhook } from './webhook-signature.ts';

type Json = Record<string, unknown>;

interface SseEvent {
  id: number | undefined;
  event: string | undefined;
  data: Json;
}

/** Reads an SSE response until it ends, or until `stopAfter` events (then aborts the connection). */
async function readSse(
  url: string,
  headers: Record<string, string>,
  stopAfter?: number,
): Promise<{ events: SseEvent[]; raw: string }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  let raw = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = decoder.decode(value, { stream: true });
    raw += text;
    buffer += text;
    let boundary = buffer.indexOf('\n\n');
    while (boundary >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      boundary = buffer.indexOf('\n\n');
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      const data = fields.get('data');
      if (data === undefined) continue;
      const id = fields.get('id');
      events.push({
        id: id === undefined ? undefined : Number(id),
        event: fields.get('event'),
        data: JSON.parse(data) as Json,
      });
      if (stopAfter !== undefined && events.length >= stopAfter) {
        controller.abort();
        await reader.cancel().catch(() => {});
        return { events, raw };
      }
    }
  }
  return { events, raw };
}

function readWebSocket(url: string): Promise<{ messages: Json[]; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: Json[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Json));
    socket.on('close', (code, reason) => resolve({ messages, code, reason: reason.toString() }));
    socket.on('error', reject);
  });
}

describe('following jobs live', () => {
  let app: TestApp;
  let base: string;
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI({ reply: () => 'An answer' });
    const models = new Gateway({
      settings: emptyGatewaySettings({
        providers: [
          {
            name: 'fake',
            kind: 'openai-compatible',
            baseUrl: upstream.url,
            apiKey: 'test-key',
            headers: {},
            structuredOutputs: false,
          },
        ],
        aliases: [{ name: 'default', deployments: [{ ref: 'fake:fake-model', weight: 1 }], fallbacks: [] }],
        resilience: {
          ...FAST_RESILIENCE,
          maxAttempts: 1,
          requestTimeoutMs: 30_000,
          firstTokenTimeoutMs: 30_000,
          totalTimeoutMs: 60_000,
        },
      }),
    });
    app = await buildTestApp({
      capabilities: jobTestCapabilities,
      models,
      jobs: memoryJobs(loopbackWebhooks()),
    });
    base = await app.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  async function enqueue(capability: string, input: unknown, extra: Json = {}): Promise<Json> {
    const response = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ capability, input, ...extra }),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as Json;
  }

  async function job(id: unknown): Promise<Json> {
    return (await (await fetch(`${base}/v1/jobs/${String(id)}`)).json()) as Json;
  }

  it('resumes an SSE stream with Last-Event-ID: the two parts make the whole ordered sequence, nothing twice', async () => {
    const words = Array.from({ length: 60 }, (_, index) => `w${index}`);
    const created = await enqueue('emitter', { words });
    const url = `${base}/v1/jobs/${String(created.id)}/events`;
    const first = await readSse(url, {}, 6);
    expect(first.raw.startsWith('retry: ')).toBe(true);
    const lastSeen = first.events.at(-1)?.id;
    expect(lastSeen).toBe(6);
    const rest = await readSse(url, { 'last-event-id': String(lastSeen) });
    const union = [...first.events, ...rest.events];
    const ids = union.map((event) => event.id);
    expect(ids).toEqual(union.map((_, index) => index + 1));
    expect(union.at(-1)?.event).toBe('job-succeeded');
    expect(union.every((event) => event.event === event.data.type && event.id === event.data.id)).toBe(true);
    const done = await job(created.id);
    expect(done.last_event_id).toBe(union.length);
    const deltas = union
      .filter((event) => event.event === 'text-delta')
      .map((event) => (event.data.data as Json).delta);
    expect(deltas.join('')).toBe(words.join(' '));
  });

  it('ends at once for a finished job when the client already has its last event', async () => {
    const created = await enqueue('echo', { text: 'quick' });
    await expect.poll(async () => (await job(created.id)).status).toBe('succeeded');
    const last = (await job(created.id)).last_event_id as number;
    const replay = await readSse(`${base}/v1/jobs/${String(created.id)}/events?after=1`, {});
    expect(replay.events.map((event) => event.id)).toEqual(
      Array.from({ length: last - 1 }, (_, index) => index + 2),
    );
    expect(
      (await readSse(`${base}/v1/jobs/${String(created.id)}/events`, { 'last-event-id': String(last) }))
        .events,
    ).toEqual([]);
  });

  it('streams the same events over a WebSocket, and closes with 1000 after the terminal one', async () => {
    const created = await enqueue('emitter', { words: ['one', 'two', 'three', 'four'] });
    const ws = `${base.replace('http', 'ws')}/v1/jobs/${String(created.id)}/ws`;
    const live = await readWebSocket(ws);
    expect(live.code).toBe(1000);
    expect(live.messages.map((message) => message.id)).toEqual(live.messages.map((_, index) => index + 1));
    expect(live.messages.at(-1)).toMatchObject({
      type: 'job-succeeded',
      job_id: created.id,
      data: { result: { text: 'one two three four' } },
    });
    const sse = await readSse(`${base}/v1/jobs/${String(created.id)}/events`, {});
    expect(live.messages).toEqual(sse.events.map((event) => event.data));
    const resumed = await readWebSocket(`${ws}?after=3`);
    expect(resumed.messages.map((message) => message.id)).toEqual(
      live.messages.slice(3).map((message) => message.id),
    );
  });

  it('refuses a WebSocket for a job that does not exist with an HTTP 404 before upgrading', async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = new WebSocket(
        `${base.replace('http', 'ws')}/v1/jobs/00000000-0000-4000-8000-000000000000/ws`,
      );
      socket.on('error', resolve);
    });
    expect(error.message).toContain('404');
  });

  it('cancels a running job: the model call in flight is aborted upstream, and the job ends cancelled', async () => {
    upstream.reset();
    upstream.enqueueFaults({ kind: 'hang' });
    const created = await enqueue('talker', { prompt: 'Think for a very long time.' });
    await expect.poll(() => upstream.requests.length).toBe(1);
    await expect.poll(async () => (await job(created.id)).status).toBe('running');
    const cancel = await fetch(`${base}/v1/jobs/${String(created.id)}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toMatchObject({ status: 'running', cancel_requested: true });
    await expect.poll(async () => (await job(created.id)).status).toBe('cancelled');
    await expect.poll(() => upstream.abortedRequests()).toBe(1);
    expect(upstream.requests[0]?.aborted).toBe(true);
    const history = await readSse(`${base}/v1/jobs/${String(created.id)}/events`, {});
    expect(history.events.map((event) => event.event)).toEqual([
      'job-queued',
      'job-started',
      'job-cancelled',
    ]);
  });

  describe('webhooks', () => {
    const secret = 'whsec-test-0123456789-abcdefghij';
    let receiver: Server;
    let hookUrl: string;
    const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];
    beforeAll(async () => {
      // Fails the first two deliveries, accepts the third.
      receiver = createServer((request, response) => {
        let body = '';
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => {
          body += chunk;
        });
        request.on('end', () => {
          const status = received.length < 2 ? 500 : 204;
          received.push({ headers: request.headers, body, status });
          response.writeHead(status).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/keel`;
    });
    afterAll(async () => {
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('delivers a signed webhook, retried with backoff past a receiver that fails twice, and logs every attempt', async () => {
      const created = await enqueue('echo', { text: 'hooked' }, { webhook: { url: hookUrl, secret } });
      expect(created.webhook).toEqual({ url: hookUrl });
      expect(JSON.stringify(created)).not.toContain(secret);
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(3);
      for (const delivery of received) {
        expect(verifyWebhook(secret, delivery.headers, delivery.body)).toBe(true);
        expect(verifyWebhook('another-secret-0123456789-xyz', delivery.headers, delivery.body)).toBe(false);
        expect(verifyWebhook(secret, delivery.headers, delivery.body.replace('hooked', 'forged'))).toBe(
          false,
        );
        expect(delivery.headers['content-type']).toBe('application/json');
      }
      expect(new Set(received.map((delivery) => delivery.headers['webhook-id'])).size).toBe(1);
      const payload = JSON.parse(received[2]?.body ?? '{}') as Json;
      expect(payload).toMatchObject({
        type: 'job-succeeded',
        job_id: created.id,
        job: { id: created.id, status: 'succeeded', result: { echo: 'hooked' } },
      });
      expect(payload.event_id).toBe((await job(created.id)).last_event_id);
      const log = await (await fetch(`${base}/v1/jobs/${String(created.id)}/webhook-deliveries`)).json();
      expect(
        log.items.map((attempt: Json) => [attempt.attempt, attempt.outcome, attempt.response_status]),
      ).toEqual([
        [1, 'failed', 500],
        [2, 'failed', 500],
        [3, 'delivered', 204],
      ]);
      expect(log.items[0].next_attempt_at).toEqual(expect.any(String));
      expect(log.items[2].next_attempt_at).toBeNull();
    });

    it('rejects a stale timestamp even with a valid signature', () => {
      const delivery = received[0];
      if (!delivery) throw new Error('no delivery received');
      const timestamp = Number(delivery.headers['webhook-timestamp']);
      expect(verifyWebhook(secret, delivery.headers, delivery.body, { nowSeconds: timestamp + 301 })).toBe(
        false,
      );
      expect(verifyWebhook(secret, delivery.headers, delivery.body, { nowSeconds: timestamp + 299 })).toBe(
        true,
      );
    });
  });
});

describe('streams on shutdown', () => {
  it('ends SSE with stream-closing and WebSocket with 1001, and hands the running job back', async () => {
    const jobs = memoryJobs();
    const app = await buildTestApp({ capabilities: jobTestCapabilities, jobs });
    const base = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${base}/v1/echo/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'long', delayMs: 10_000 }),
    });
    const { id } = (await response.json()) as { id: string };
    await expect
      .poll(async () => ((await (await fetch(`${base}/v1/jobs/${id}`)).json()) as Json).status)
      .toBe('running');
    const sse = readSse(`${base}/v1/jobs/${id}/events`, {});
    const ws = readWebSocket(`${base.replace('http', 'ws')}/v1/jobs/${id}/ws`);
    await expect.poll(() => app.jobs.feed.size).toBe(2);
    await app.close();
    const stream = await sse;
    expect(stream.events.at(-1)).toMatchObject({
      id: undefined,
      event: 'stream-closing',
      data: { reason: 'shutdown' },
    });
    expect(stream.events.filter((event) => event.id !== undefined).map((event) => event.event)).toEqual([
      'job-queued',
      'job-started',
    ]);
    expect((await ws).code).toBe(1001);
    const job = await jobs.store.get('default', id);
    expect(job).toMatchObject({ status: 'queued', attempts: 0 });
    expect((await jobs.store.events('default', id, 0, 10))?.at(-1)).toMatchObject({
      type: 'job-requeued',
      data: { reason: 'shutdown' },
    });
  });
});

describe('per-key webhooks', () => {
  it("delivers jobs of a key to the key's webhook unless the job names its own or opts out", async () => {
    const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ path: request.url ?? '', headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const adminKey = 'keel-admin-key-for-per-key-webhooks-01';
    const app = await buildTestApp({
      capabilities: jobTestCapabilities,
      jobs: memoryJobs(loopbackWebhooks()),
      adminKey,
    });
    try {
      const keySecret = 'whsec-key-0123456789-abcdefghij';
      const created = await app.app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: { authorization: `Bearer ${adminKey}` },
        payload: {
          name: 'hooked',
          scopes: ['capability:echo', 'jobs:read', 'jobs:write'],
          webhook: { url: `${hooks}/key`, secret: keySecret },
        },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().key.webhook).toEqual({ url: `${hooks}/key` });
      expect(created.body).not.toContain(keySecret);
      const listed = await app.app.inject({
        method: 'GET',
        url: '/v1/admin/keys',
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(listed.body).not.toContain(keySecret);
      const headers = { authorization: `Bearer ${created.json().token}` };

      const byKey = await app.app.inject({
        method: 'POST',
        url: '/v1/echo/jobs',
        headers,
        payload: { text: 'key default' },
      });
      expect(byKey.json().webhook).toEqual({ url: `${hooks}/key` });
      const own = await app.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers,
        payload: {
          capability: 'echo',
          input: { text: 'own hook' },
          webhook: { url: `${hooks}/own`, secret: 'whsec-own-0123456789-abcdefghij' },
        },
      });
      expect(own.json().webhook).toEqual({ url: `${hooks}/own` });
      const none = await app.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers,
        payload: { capability: 'echo', input: { text: 'no hook' }, webhook: null },
      });
      expect(none.statusCode).toBe(202);
      expect(none.json().webhook).toBeNull();

      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
      // Let the opted-out job finish too: it must not be delivered anywhere.
      await expect
        .poll(async () => {
          const job = await app.app.inject({ method: 'GET', url: `/v1/jobs/${none.json().id}`, headers });
          return job.json().status;
        })
        .toBe('succeeded');
      const keyDelivery = received.find((delivery) => delivery.path === '/key');
      expect(keyDelivery).toBeDefined();
      expect(verifyWebhook(keySecret, keyDelivery?.headers ?? {}, keyDelivery?.body ?? '')).toBe(true);
      expect(JSON.parse(keyDelivery?.body ?? '{}').job.result).toEqual({ echo: 'key default' });
      expect(received.find((delivery) => delivery.path === '/own')?.body).toContain('own hook');
      expect(received.map((delivery) => delivery.body).join('')).not.toContain('no hook');
    } finally {
      await app.close();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
