import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

// Issue 17 item 9: refused keys are limited per client address (a sliding window of one minute).
const ADMIN_KEY = 'keel-admin-key-for-auth-failure-tests-0123456789';
const LIMIT = 3;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setup() {
  let now = Date.parse('2026-12-07T12:00:00.000Z');
  const store = new MemoryLimitStore({ now: () => now });
  app = await buildTestApp({
    adminKey: ADMIN_KEY,
    limits: { store, maxEventLoopDelayMs: 0, authFailuresPerMinute: LIMIT },
  });
  const { token, key } = await app.keys.create({ name: 'good', tenantId: 'acme', scopes: ['requests:read'] });
  const revoked = await app.keys.create({ name: 'gone', tenantId: 'acme', scopes: ['requests:read'] });
  await app.keys.revoke(revoked.key.id);
  return {
    app,
    token,
    refused: [
      `Bearer keel_${key.id.slice(4)}_${'A'.repeat(43)}`, // a real id, a wrong secret
      `Bearer keel_0123456789abcdef_${'A'.repeat(43)}`, // an unknown id
      `Bearer ${revoked.token}`, // a revoked key
      'Bearer sk-malformed', // not a Keel key
      'Basic Zm9vOmJhcg==', // not a bearer token
    ],
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function call(
  target: TestApp,
  authorization: string | undefined,
  remoteAddress = '203.0.113.7',
  url = '/v1/requests',
) {
  return target.app.inject({
    method: 'GET',
    url,
    remoteAddress,
    headers: authorization === undefined ? {} : { authorization },
  });
}

describe('refused keys per client address', () => {
  it('answers 401 up to the allowance, then 429 with Retry-After for every kind of refused key, per address, until the window slides', async () => {
    const { app, token, refused, advance } = await setup();
    // Requests with no key at all are not key checks: never counted, never turned into 429.
    for (let index = 0; index < LIMIT * 2; index += 1)
      expect((await call(app, undefined)).statusCode).toBe(401);
    // Valid keys are not counted.
    for (let index = 0; index < LIMIT * 2; index += 1)
      expect((await call(app, `Bearer ${token}`)).statusCode).toBe(200);
    for (const authorization of refused.slice(0, LIMIT))
      expect((await call(app, authorization)).statusCode, authorization).toBe(401);

    for (const authorization of refused) {
      const limited = await call(app, authorization);
      expect(limited.statusCode, authorization).toBe(429);
      expect(limited.json()).toMatchObject({ code: 'LIMIT_AUTH_FAILURES', limit: LIMIT });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(120);
    }
    // The key check that authenticates itself (the console's /v1/me) is held to the same allowance.
    const me = await call(app, refused[1], undefined, '/v1/me');
    expect(me.statusCode).toBe(429);
    // A valid key from the same address still works: a shared address cannot be locked out by one client.
    expect((await call(app, `Bearer ${token}`)).statusCode).toBe(200);
    expect((await call(app, undefined)).statusCode).toBe(401);
    // Another address has its own allowance.
    expect((await call(app, refused[0], '198.51.100.9')).statusCode).toBe(401);

    // Two minutes later the window has slid past every failure.
    advance(120_000);
    expect((await call(app, refused[0])).statusCode).toBe(401);
    const metrics = await app.telemetry.metrics.registry.getSingleMetricAsString(
      'keel_rate_limit_rejections_total',
    );
    expect(metrics).toContain('limit="auth-failures"');
  });

  it('is off with a limit of 0', async () => {
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 0, authFailuresPerMinute: 0 },
    });
    for (let index = 0; index < 10; index += 1) {
      expect((await call(app, `Bearer keel_0123456789abcdef_${'A'.repeat(43)}`)).statusCode).toBe(401);
    }
  });
});
