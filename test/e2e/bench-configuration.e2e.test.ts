import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_ADMIN_KEY, keelBenchEnvironment } from '../../bench/support/keel-target.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

// Issue 16: the benchmarks measure Keel in its production configuration, with nothing turned off. This is
// that configuration (the very environment `npm run bench -- gateway|generate|streaming` gives keel serve),
// and what each benchmarked request must still leave behind: its request-log row, its model-call row, its
// span (the trace id in the response, the log line and the row) and its metrics.

const auth = { authorization: `Bearer ${BENCH_ADMIN_KEY}` };

describe('a request served in the benchmarks’ configuration', () => {
  let upstream: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
    upstream = await startFakeOpenAI({ reply: () => 'It keeps the boat upright.' });
    const environment = keelBenchEnvironment({
      port: 0,
      upstreamUrl: upstream.url,
      model: 'fake-model',
      storage: 'embedded',
    });
    keel = await startKeel(
      Object.fromEntries(
        Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
      directory.path,
    );
  });
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  async function admin<T>(path: string): Promise<T> {
    const response = await fetch(`${keel.url}${path}`, { headers: auth });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  }

  it.each([
    {
      route: '/openai/v1/chat/completions',
      body: {
        model: 'default',
        messages: [{ role: 'user', content: 'Name three uses of a keel.' }],
        max_tokens: 64,
      },
    },
    { route: '/v1/generate', body: { user_input: 'Name three uses of a keel.', max_tokens: 64 } },
  ])('$route writes its request-log row, model-call row, span and metrics', async ({ route, body }) => {
    // Auth is on: the same request without the key is refused.
    const refused = await fetch(`${keel.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(refused.status).toBe(401);

    const response = await fetch(`${keel.url}${route}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id') ?? '';
    const traceId = response.headers.get('x-trace-id') ?? '';
    expect(requestId).not.toBe('');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // Limits are on: counted on this request.
    expect(response.headers.get('ratelimit-limit')).not.toBeNull();

    // The model-call row (the listing flushes the batched writer for one request id).
    const calls = await admin<{ items: Array<Record<string, unknown>> }>(
      `/v1/model-calls?request_id=${encodeURIComponent(requestId)}`,
    );
    expect(calls.items).toHaveLength(1);
    expect(calls.items[0]).toMatchObject({ request_id: requestId, outcome: 'succeeded' });
    expect(Number(calls.items[0]?.output_tokens)).toBeGreaterThan(0);

    // The request-log row, written behind the response: it appears within the writer's flush interval.
    let row: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 50 && row === undefined; attempt++) {
      const found = await fetch(`${keel.url}/v1/requests/${encodeURIComponent(requestId)}`, {
        headers: auth,
      });
      if (found.status === 200) row = (await found.json()) as Record<string, unknown>;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row).toMatchObject({ id: requestId, http_status: 200, trace_id: traceId, route });

    // The span: its trace id is the one in the response, in the row above and in the log line.
    expect(
      keel.logs.some(
        (entry) =>
          entry.msg === 'request completed' && entry.requestId === requestId && entry.traceId === traceId,
      ),
    ).toBe(true);

    // The metrics: the route's latency histogram and the model call's.
    const metrics = await fetch(`${keel.url}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(
      new RegExp(
        `keel_http_request_duration_seconds_count\\{[^}]*route="${route.replaceAll('/', '\\/')}"[^}]*\\} [1-9]`,
      ),
    );
    expect(text).toMatch(/keel_model_call_duration_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/keel_model_tokens_total\{[^}]*direction="output"[^}]*\} [1-9]/);
  });
});
