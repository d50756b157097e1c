import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

// Issue 17 item 9: failed key checks are limited per client address (a sliding window of one minute).
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
    keyId: key.id,
    revokedToken: revoked.token,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function call(target: TestApp, authorization: string | undefined, remoteAddress = '203.0.113.7') {
  return target.app.inject({
    method: 'GET',
    url: '/v1/requests',
    remoteAddress,
    headers: authorization === undefined ? {} : { authorization },
  });
}

describe('failed key checks per client address', () => {
  it('counts every kind of refused key, then answers 429 with Retry-After before checking, per address, until the window slides', async () => {
    const { app, token, keyId, revokedToken, advance } = await setup();
    const failures = [
      `Bearer keel_${keyId.slice(4)}_${'A'.repeat(43)}`, // a real id, a wrong secret
      `Bearer keel_0123456789abcdef_${'A'.repeat(43)}`, // an unknown id
      `Bearer ${revokedToken}`, // a revoked key
    ];
    // Requests with no key at all are not key checks and are not counted.
    for (let index = 0; index < LIMIT * 2; index += 1)
      expect((await call(app, undefined)).statusCode).toBe(401);
    // Successful checks are not counted either.
    for (let index = 0; index < LIMIT * 2; index += 1)
      expect((await call(app, `Bearer ${token}`)).statusCode).toBe(200);
    for (const authorization of failures) expect((await call(app, authorization)).statusCode).toBe(401);

    const checks = vi.spyOn(app.keys, 'authenticate');
    for (const authorization of [
      ...failures,
      `Bearer ${token}`,
      'Bearer sk-malformed',
      'Basic Zm9vOmJhcg==',
    ]) {
      const refused = await call(app, authorization);
      expect(refused.statusCode, authorization).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'LIMIT_AUTH_FAILURES', limit: LIMIT });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(120);
    }
    // Refused before the key is looked at: no verification work at all.
    expect(checks).not.toHaveBeenCalled();
    // Another address is not affected.
    expect((await call(app, `Bearer ${token}`, '198.51.100.9')).statusCode).toBe(200);
    expect((await call(app, failures[0], '198.51.100.9')).statusCode).toBe(401);

    // Two minutes later the window has slid past every failure.
    advance(120_000);
    expect((await call(app, `Bearer ${token}`)).statusCode).toBe(200);
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
