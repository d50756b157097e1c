import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

async function generate(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('keel serve with zero configuration', () => {
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
    keel = await startKeel({}, directory.path);
  });
  afterAll(async () => {
    await keel?.stop();
    await directory?.remove();
  });

  it('says it is initialising the embedded database on first start, then is ready', async () => {
    expect(
      keel.logs.some((entry) => String(entry.msg).startsWith('initialising the embedded database')),
    ).toBe(true);
    const ready = await fetch(`${keel.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: expect.arrayContaining([
        expect.objectContaining({ name: 'database', ok: true }),
        expect.objectContaining({ name: 'models' }),
      ]),
    });
  });

  it('says in its start log that auth is open locally, having no admin key', () => {
    expect(keel.logs.find((entry) => entry.msg === 'keel is ready')).toMatchObject({ auth: 'open-locally' });
    expect(keel.logs.some((entry) => String(entry.msg).startsWith('auth is open locally'))).toBe(true);
  });

  it('answers generate with 503 MODEL_NOT_CONFIGURED instead of inventing text', async () => {
    const response = await generate(keel.url, { user_input: 'hello' });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await response.json()).code).toBe('MODEL_NOT_CONFIGURED');
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await keel.stop()).toBe(0);
  });
});

describe('keel serve against an OpenAI-compatible server', () => {
  let upstream: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
    upstream = await startFakeOpenAI({ reply: (request) => `Upstream says: ${request.lastUserMessage}` });
    keel = await startKeel(
      { OPENAI_BASE_URL: upstream.url, KEEL_MODEL: 'fake-model', KEEL_DATA_DIR: 'memory://' },
      directory.path,
    );
  });
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  it("returns the upstream server's answer, having sent it the prompt and the token bound", async () => {
    const response = await generate(keel.url, { user_input: 'What is a keel?', max_tokens: 42 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ answer: 'Upstream says: What is a keel?', status: 'ok' });
    const sent = upstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.body).toMatchObject({ model: 'fake-model', max_tokens: 42 });
  });

  it('records the call in the request log with its usage', async () => {
    const response = await generate(keel.url, { user_input: 'log me' });
    const requestId = response.headers.get('x-request-id');
    // The entry is recorded once the response has gone out, so a read sent at once can arrive first (it did
    // on a loaded machine: 404); it must appear within seconds.
    let logged = await fetch(`${keel.url}/v1/requests/${requestId}`);
    await expect
      .poll(
        async () => {
          if (logged.status !== 200) logged = await fetch(`${keel.url}/v1/requests/${requestId}`);
          return logged.status;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(200);
    expect(await logged.json()).toMatchObject({
      id: requestId,
      capability: 'generate',
      outcome: 'succeeded',
      models: ['openai-compatible:fake-model'],
    });
  });

  it('retries an upstream 503, and maps one that persists to a 502 GATEWAY_UPSTREAM_ERROR problem', async () => {
    upstream.enqueueFaults({ kind: 'status', status: 503 });
    const retried = await generate(keel.url, { user_input: 'once' });
    expect(retried.status).toBe(200);
    // Three attempts (the default), all failing.
    upstream.enqueueFaults(
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 },
    );
    const response = await generate(keel.url, { user_input: 'fail please' });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'GATEWAY_UPSTREAM_ERROR', upstream_status: 503 });
  });

  it('drains on SIGTERM: the in-flight request finishes, later ones are refused, the process exits 0', async () => {
    upstream.enqueueFaults({ kind: 'delay', ms: 1_500 });
    const inFlight = generate(keel.url, { user_input: 'slow one' });
    await expect
      .poll(() =>
        upstream.requests.some(
          (request) => request.body && JSON.stringify(request.body).includes('slow one'),
        ),
      )
      .toBe(true);
    keel.child.kill('SIGTERM');
    await expect
      .poll(() => keel.logs.some((entry) => String(entry.msg).startsWith('shutting down')))
      .toBe(true);
    const late = await generate(keel.url, { user_input: 'too late' }).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    const finished = await inFlight;
    expect(finished.status).toBe(200);
    expect(await finished.json()).toEqual({ answer: 'Upstream says: slow one', status: 'ok' });
    expect(await keel.exited).toBe(0);
  });
});
