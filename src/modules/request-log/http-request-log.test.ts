import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, usage } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import { HttpRequestLog } from './http-request-log.ts';
import { MemoryRequestLogStore } from './memory-request-log-store.ts';
import { startRequestLogRetention } from './request-log-retention.ts';
import { RequestLogWriter } from './request-log-writer.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ADMIN_KEY = 'keel-admin-key-for-request-log-0123456789';
const KEEL_TOKEN_IN_INPUT = `keel_0123456789abcdef_${'Z'.repeat(43)}`;

function model() {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: answer('fine', usage(4, 2)),
  });
}

describe('the request log over HTTP', () => {
  it('records every authenticated request with its key, route, status and latency, not only capability calls', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY, model: model() });
    const { key, token } = await app.keys.create({
      name: 'k',
      tenantId: 'acme',
      scopes: ['requests:read', 'capability:*'],
    });
    const headers = (id: string) => ({ authorization: `Bearer ${token}`, 'x-request-id': id });
    await app.app.inject({ method: 'GET', url: '/v1/requests/nothing', headers: headers('log-404') });
    await app.app.inject({ method: 'GET', url: '/v1/admin/keys', headers: headers('log-403') });
    await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: headers('log-gen'),
      payload: { user_input: 'hi' },
    });
    await app.writer.flush();
    expect(await app.store.get('acme', 'log-404')).toMatchObject({
      apiKeyId: key.id,
      method: 'GET',
      route: '/v1/requests/:id',
      capability: null,
      outcome: 'failed',
      httpStatus: 404,
      errorCode: 'REQUEST_LOG_NOT_FOUND',
      models: [],
      costUsd: 0,
    });
    expect(await app.store.get('acme', 'log-403')).toMatchObject({
      httpStatus: 403,
      errorCode: 'AUTH_SCOPE_MISSING',
    });
    const generated = await app.store.get('acme', 'log-gen');
    expect(generated).toMatchObject({
      capability: 'generate',
      route: '/v1/generate',
      outcome: 'succeeded',
      httpStatus: 200,
      models: ['mock:m1'],
      inputTokens: 4,
      outputTokens: 2,
      input: { user_input: 'hi', max_tokens: 300 },
      output: { answer: 'fine', status: 'ok' },
    });
    expect(generated?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('leaves out unauthenticated requests, public routes and the metrics scrape', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    await app.app.inject({ method: 'GET', url: '/v1/requests', headers: { 'x-request-id': 'anon-1' } });
    await app.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'health-1' } });
    await app.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-request-id': 'scrape-1', authorization: `Bearer ${ADMIN_KEY}` },
    });
    await app.writer.flush();
    for (const id of ['anon-1', 'health-1', 'scrape-1'])
      expect(await app.store.get('default', id)).toBeUndefined();
  });

  it('redacts secrets from stored bodies', async () => {
    app = await buildTestApp({ model: model() });
    await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'x-request-id': 'secret-body' },
      payload: { user_input: `use ${KEEL_TOKEN_IN_INPUT} and sk-abcdefghijklmnopqrstu please` },
    });
    await app.writer.flush();
    const record = await app.store.get('default', 'secret-body');
    expect(record?.input).toEqual({ user_input: 'use [redacted] and [redacted] please', max_tokens: 300 });
  });

  it('keeps only metadata when bodies are turned off', async () => {
    const store = new MemoryRequestLogStore();
    const writer = new RequestLogWriter(store);
    app = await buildTestApp({ model: model(), requestLog: { store, writer, bodies: false } });
    await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      headers: { 'x-request-id': 'no-body' },
      payload: { user_input: 'private' },
    });
    await writer.flush();
    expect(await store.get('default', 'no-body')).toMatchObject({
      input: null,
      output: null,
      inputTokens: 4,
      capability: 'generate',
    });
  });

  it('writes invocations made outside HTTP (jobs) with the key of the context they run in', () => {
    const written: unknown[] = [];
    const log = new HttpRequestLog({ writer: { write: (record) => written.push(record) }, bodies: true });
    const context = createRequestContext({
      requestId: 'job-1',
      tenantId: 'acme',
      keyId: 'key_0123456789abcdef',
    });
    context.usage.costUsd = 0.5;
    runWithRequestContext(context, () =>
      log.recordInvocation({
        id: 'job-1',
        tenantId: 'acme',
        capability: 'generate',
        outcome: 'succeeded',
        httpStatus: 200,
        errorCode: null,
        models: [],
        inputTokens: 0,
        outputTokens: 0,
        latencyMs: 1,
        input: { apiKey: 'nope' },
        output: null,
        createdAt: new Date(),
      }),
    );
    expect(written).toEqual([
      expect.objectContaining({
        apiKeyId: 'key_0123456789abcdef',
        costUsd: 0.5,
        input: { apiKey: '[redacted]' },
      }),
    ]);
  });
});

describe('request log retention', () => {
  it('deletes records older than the retention period', async () => {
    const store = new MemoryRequestLogStore();
    const now = new Date('2026-11-21T00:00:00.000Z');
    const base = {
      tenantId: 't',
      capability: null,
      outcome: 'succeeded' as const,
      httpStatus: 200,
      errorCode: null,
      models: [],
      inputTokens: 0,
      outputTokens: 0,
      latencyMs: 1,
      input: null,
      output: null,
    };
    await store.append([
      { ...base, id: 'old', createdAt: new Date('2026-10-01T00:00:00.000Z') },
      { ...base, id: 'new', createdAt: new Date('2026-11-20T00:00:00.000Z') },
    ]);
    const retention = startRequestLogRetention({ store, retentionDays: 30, now: () => now });
    try {
      expect(await retention.sweep()).toBe(1);
      expect(await store.get('t', 'old')).toBeUndefined();
      expect(await store.get('t', 'new')).toBeDefined();
    } finally {
      retention.stop();
    }
    const keepAll = startRequestLogRetention({
      store,
      retentionDays: 0,
      now: () => new Date('2030-01-01T00:00:00.000Z'),
    });
    expect(await keepAll.sweep()).toBe(0);
    keepAll.stop();
  });
});
