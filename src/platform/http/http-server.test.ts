import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

describe('HTTP platform', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => app.close());

  it('answers an unknown route with a 404 problem carrying the request id', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/v1/nothing-here?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({
      type: 'urn:keel:error:ROUTE_NOT_FOUND',
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      instance: '/v1/nothing-here',
      retryable: false,
    });
    expect(problem.request_id).toBe(response.headers['x-request-id']);
  });

  it('keeps a caller-supplied x-request-id and generates one for an unsafe value', async () => {
    const kept = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-123.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('trace-123.abc');
    const replaced = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\twith spaces' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on the log line of every request', async () => {
    await app.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'log-check-1' } });
    const line = app.logs.lines.find((entry) => entry.requestId === 'log-check-1');
    expect(line).toMatchObject({ msg: 'request completed', statusCode: 200, url: '/healthz' });
  });

  it('rejects a body over the limit with a 413 problem', async () => {
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user_input: 'x'.repeat(25 * 1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'REQUEST_BODY_TOO_LARGE', limit_bytes: 1_048_576 });
    expect(response.json().request_id).toBe(response.headers['x-request-id']);
  });

  it('rejects malformed JSON with a 400 REQUEST_MALFORMED problem', async () => {
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'content-type': 'application/json' },
      payload: '{"user_input": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('REQUEST_MALFORMED');
  });

  it('rejects an unsupported content type with a 415 problem', async () => {
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('REQUEST_MEDIA_TYPE_UNSUPPORTED');
  });

  it('sends security headers', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('answers new requests with 503 SERVICE_SHUTTING_DOWN once draining', async () => {
    const draining = await buildTestApp();
    draining.shutdownGate.startDraining();
    const response = await draining.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('SERVICE_SHUTTING_DOWN');
    expect(response.headers.connection).toBe('close');
    await draining.close();
  });
});

describe('CORS', () => {
  it('allows configured origins only', async () => {
    const app = await buildTestApp({
      http: { bodyLimitBytes: 1024 * 1024, corsOrigins: ['https://app.example.com'] },
    });
    const allowed = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://app.example.com' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
  });
});
