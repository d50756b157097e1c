import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../test/support/closed-port.ts';
import {
  KeelConnectionError,
  type RetryingFetchOptions,
  type RetryNotice,
  retriesOf,
  retryAfterMs,
  retryingFetch,
} from './retrying-fetch.ts';

/**
 * The retry policy against a real local HTTP server: each test scripts what the server does with the
 * n-th request (refuse with 503/429 and Retry-After, reset the connection, answer). Waits go through a
 * fake clock, so the delays the policy chose are asserted exactly and nothing really sleeps.
 */

type Step = (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer) => void;

const answer: Step = (_request, response, body) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ ok: true, bytes: body.byteLength }));
};
const problem =
  (status: number, code: string, headers: Record<string, string> = {}, retryable = true): Step =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
    response.end(JSON.stringify({ status, code, title: code, detail: `${code} detail`, retryable }));
  };
// The server drops the connection without answering (ECONNRESET / "other side closed" for the client).
const reset: Step = (request) => request.socket.destroy();
// Headers and half a body, then the connection goes: the answer is lost mid-way.
const cutMidAnswer: Step = (request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
  response.write('{"ok":');
  setTimeout(() => request.socket.destroy(), 10);
};

let server: http.Server;
let base: string;
let script: Step[] = [];
let fallback: Step = answer;
let received: Array<{ method: string; body: Buffer }> = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: request.method ?? '', body });
      (script.shift() ?? fallback)(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = [];
  fallback = answer;
  received = [];
});

/** A retrying fetch on a fake clock that starts on a whole second (HTTP dates have second precision). */
function harness(options: RetryingFetchOptions = {}) {
  let clock = 1_800_000_000_000;
  const slept: number[] = [];
  const notices: RetryNotice[] = [];
  const fetch = retryingFetch({
    random: () => 0.5,
    now: () => clock,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
    onRetry: (notice) => notices.push(notice),
    ...options,
  });
  return { fetch, slept, notices, now: () => clock };
}

describe('retryingFetch', () => {
  it('waits what a 503 Retry-After (seconds) asks, then returns the answer', async () => {
    script = [problem(503, 'SERVICE_OVERLOADED', { 'retry-after': '3' })];
    const { fetch, slept, notices } = harness();
    const response = await fetch(new Request(`${base}/v1/things`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, bytes: 0 });
    expect(slept).toEqual([3000]);
    expect(notices.map((notice) => notice.reason)).toEqual(['503 SERVICE_OVERLOADED']);
    expect(retriesOf(response)).toEqual({ attempts: 2, elapsedMs: 3000 });
    expect(received).toHaveLength(2);
  });

  it('waits until a 429 Retry-After (HTTP date), then returns the answer', async () => {
    const { fetch, slept, now } = harness();
    script = [
      problem(429, 'LIMIT_REQUESTS_EXCEEDED', { 'retry-after': new Date(now() + 7000).toUTCString() }),
    ];
    const response = await fetch(new Request(`${base}/v1/things`, { method: 'POST', body: '{"a":1}' }));
    expect(response.status).toBe(200);
    expect(slept).toEqual([7000]);
    // 429 is a refusal: the POST was not acted on, so it is sent again whatever its method.
    expect(received.map((request) => [request.method, request.body.toString()])).toEqual([
      ['POST', '{"a":1}'],
      ['POST', '{"a":1}'],
    ]);
  });

  it('backs off exponentially with jitter when a refusal has no Retry-After, up to maxDelayMs', async () => {
    script = Array.from({ length: 6 }, () => problem(503, 'SERVICE_OVERLOADED'));
    const low = harness({ random: () => 0, baseDelayMs: 100, maxDelayMs: 1000 });
    expect((await low.fetch(new Request(`${base}/x`))).status).toBe(200);
    // Equal jitter: between half the backoff (random 0) and all of it (random 1).
    expect(low.slept).toEqual([50, 100, 200, 400, 500, 500]);
    script = Array.from({ length: 3 }, () => problem(503, 'SERVICE_OVERLOADED'));
    const high = harness({ random: () => 1, baseDelayMs: 100, maxDelayMs: 1000 });
    expect((await high.fetch(new Request(`${base}/x`))).status).toBe(200);
    expect(high.slept).toEqual([100, 200, 400]);
    // A Retry-After shorter than the backoff does not shorten it.
    script = [problem(503, 'SERVICE_OVERLOADED', { 'retry-after': '0' })];
    const small = harness({ random: () => 1, baseDelayMs: 100 });
    await small.fetch(new Request(`${base}/x`));
    expect(small.slept).toEqual([100]);
  });

  it('sends a GET again after the connection was reset, and after an answer cut mid-way', async () => {
    for (const broken of [reset, cutMidAnswer]) {
      received = [];
      script = [broken];
      const { fetch, notices } = harness();
      const response = await fetch(new Request(`${base}/v1/documents/doc_1`));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, bytes: 0 });
      expect(received).toHaveLength(2);
      expect(notices[0]?.reason).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
    }
  });

  it('sends a replay-safe upload again, the same bytes, after a reset mid-request', async () => {
    script = [reset];
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(200_000).fill(7)]), 'big.txt');
    const { fetch } = harness({ replaySafe: (request) => new URL(request.url).pathname.endsWith('/upload') });
    const response = await fetch(
      new Request(`${base}/v1/collections/col_1/documents/upload`, { method: 'POST', body: form }),
    );
    expect(response.status).toBe(200);
    expect(received).toHaveLength(2);
    // The first body may have been cut off; the second arrived whole, boundary and all.
    const second = received[1]?.body.toString('latin1') ?? '';
    expect(second).toContain('filename="big.txt"');
    expect(received[1]?.body.byteLength).toBeGreaterThan(200_000);
  });

  it('does not send a POST again after the connection broke once it may have arrived', async () => {
    script = [reset];
    const { fetch, notices } = harness();
    const failure = await fetch(new Request(`${base}/v1/eval-runs`, { method: 'POST', body: '{}' })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KeelConnectionError);
    expect(failure).toMatchObject({ maybeDelivered: true, attempts: 1, reason: 'not-replayable' });
    expect((failure as Error).message).toContain('not sent again, since that could apply it twice');
    expect(received).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it('sends any request again while the connection is refused (nothing reached the server)', async () => {
    const nowhere = await closedPortUrl();
    const { fetch, slept, notices } = harness({ maxAttempts: 3, baseDelayMs: 100 });
    const failure = await fetch(new Request(`${nowhere}/v1/eval-runs`, { method: 'POST', body: '{}' })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KeelConnectionError);
    expect(failure).toMatchObject({
      code: 'ECONNREFUSED',
      attempts: 3,
      maybeDelivered: false,
      reason: 'gave-up',
    });
    expect((failure as Error).message).toMatch(/ECONNREFUSED; gave up after 3 attempts in 0\.\d s$/);
    expect(slept).toEqual([75, 150]);
    expect(notices.map((notice) => notice.reason)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });

  it('gives up after maxAttempts on a server that always refuses, returning its last answer', async () => {
    fallback = problem(503, 'SERVICE_OVERLOADED', { 'retry-after': '1' });
    const { fetch, slept } = harness({ maxAttempts: 4 });
    const response = await fetch(new Request(`${base}/v1/things`));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'SERVICE_OVERLOADED' });
    expect(retriesOf(response)).toEqual({
      attempts: 4,
      elapsedMs: 3500,
      gaveUp: 'gave up after 4 attempts in 3.5 s',
    });
    expect(received).toHaveLength(4);
    // The server's second is a floor: by the third wait the backoff (2 s, jittered to 1.5 s) is longer.
    expect(slept).toEqual([1000, 1000, 1500]);
  });

  it('gives up after maxAttempts on a server that always resets the connection', async () => {
    fallback = reset;
    const { fetch } = harness({ maxAttempts: 4, baseDelayMs: 10 });
    const failure = await fetch(new Request(`${base}/v1/things`)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KeelConnectionError);
    expect(failure).toMatchObject({ attempts: 4, maybeDelivered: true, reason: 'gave-up' });
    expect((failure as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/v1\/things: (ECONNRESET|UND_ERR_SOCKET); gave up after 4 attempts/,
    );
    expect(received).toHaveLength(4);
  });

  it('stops within the total time: no wait that would pass maxElapsedMs', async () => {
    fallback = problem(503, 'SERVICE_OVERLOADED', { 'retry-after': '4' });
    const { fetch, slept } = harness({ maxElapsedMs: 10_000 });
    const response = await fetch(new Request(`${base}/v1/things`));
    expect(response.status).toBe(503);
    expect(slept).toEqual([4000, 4000]);
    expect(retriesOf(response)?.gaveUp).toBe(
      'gave up after 3 attempts in 8.0 s: the next wait (4.0 s) would pass the 10 s retry limit',
    );
    // A Retry-After beyond the whole budget (a spent monthly budget, say) ends it at once.
    received = [];
    script = [problem(429, 'LIMIT_BUDGET_EXHAUSTED', { 'retry-after': '86400' })];
    const patient = harness({ maxElapsedMs: 120_000 });
    const refused = await patient.fetch(new Request(`${base}/v1/things`));
    expect(refused.status).toBe(429);
    expect(patient.slept).toEqual([]);
    expect(received).toHaveLength(1);
    expect(retriesOf(refused)?.gaveUp).toContain('the next wait (86400 s) would pass the 120 s retry limit');
  });

  it('does not retry a 503 whose problem says retryable: false, nor other statuses', async () => {
    for (const step of [
      problem(503, 'MODEL_NOT_CONFIGURED', {}, false),
      problem(500, 'INTERNAL_ERROR'),
      problem(404, 'NOT_FOUND'),
      problem(502, 'GATEWAY_UPSTREAM_FAILED'),
    ]) {
      received = [];
      script = [step];
      const { fetch, slept } = harness();
      const response = await fetch(new Request(`${base}/v1/things`));
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(received).toHaveLength(1);
      expect(slept).toEqual([]);
      expect(retriesOf(response)).toEqual({ attempts: 1, elapsedMs: 0 });
    }
  });

  it('does not retry a failure retrying cannot fix, and says what it was', async () => {
    const { fetch, slept } = harness();
    // Port 9 is on fetch's list of bad ports: the request is never made.
    const failure = await fetch(new Request('http://127.0.0.1:9/v1/things')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KeelConnectionError);
    expect(failure).toMatchObject({ code: 'bad port', reason: 'not-retryable', attempts: 1 });
    expect(slept).toEqual([]);
  });

  it('stops waiting when the request is aborted', async () => {
    fallback = problem(503, 'SERVICE_OVERLOADED', { 'retry-after': '30' });
    const controller = new AbortController();
    const fetch = retryingFetch({ onRetry: () => controller.abort(new Error('cancelled by the user')) });
    await expect(fetch(new Request(`${base}/v1/things`, { signal: controller.signal }))).rejects.toThrow(
      'cancelled by the user',
    );
    expect(received).toHaveLength(1);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2027-01-01T00:00:00Z');
  it.each([
    ['3', 3000],
    ['0', 0],
    [' 12 ', 12_000],
    ['1.5', 1500],
    ['Fri, 01 Jan 2027 00:00:09 GMT', 9000],
    ['Thu, 31 Dec 2026 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    [null, undefined],
  ])('%j -> %j', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});
