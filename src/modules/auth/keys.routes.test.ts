import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

const ADMIN_KEY = 'keel-admin-key-for-key-routes-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

describe('/v1/admin/keys', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Each reading of the clock is a millisecond later: keys created one after another never share a
    // creation time, so "newest first" is the order they were created in (a tie falls back to the id).
    let tick = Date.now();
    app = await buildTestApp({ adminKey: ADMIN_KEY, clock: { now: () => new Date(++tick) } });
  });
  afterAll(async () => app.close());

  it('creates a key, shows its token once, and the token works at once', async () => {
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/admin/keys',
      headers: admin,
      payload: {
        name: 'Billing service',
        tenant_id: 'acme',
        scopes: ['capability:generate', 'requests:read'],
        limits: { requests_per_minute: 60, budget: { usd: 10, period: 'day' } },
      },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body.token).toMatch(/^keel_[0-9a-f]{16}_/);
    expect(body.key).toMatchObject({
      name: 'Billing service',
      tenant_id: 'acme',
      scopes: ['capability:generate', 'requests:read'],
      status: 'active',
      limits: { requests_per_minute: 60, budget: { usd: 10, period: 'day' } },
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    });
    const use = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(use.statusCode).toBe(200);
    expect(use.headers['ratelimit-limit']).toBe('60');

    const fetched = await app.app.inject({
      method: 'GET',
      url: `/v1/admin/keys/${body.key.id}`,
      headers: admin,
    });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.body).not.toContain(body.token.slice(22));
    expect(fetched.json()).not.toHaveProperty('token');
    expect(fetched.json()).not.toHaveProperty('secretHash');
  });

  it.each([
    [{ name: 'x', scopes: [] }, '/body/scopes'],
    [{ name: 'x', scopes: ['Not A Scope'] }, '/body/scopes/0'],
    [{ name: '', scopes: ['admin'] }, '/body/name'],
    [{ name: 'x', scopes: ['admin'], tenant_id: 'has space' }, '/body/tenant_id'],
    [{ name: 'x', scopes: ['admin'], expires_at: '2000-01-01T00:00:00Z' }, '/body/expires_at'],
    [
      { name: 'x', scopes: ['admin'], limits: { requests_per_minute: 0 } },
      '/body/limits/requests_per_minute',
    ],
  ])('refuses %j with a field error at %s', async (payload, pointer) => {
    const response = await app.app.inject({ method: 'POST', url: '/v1/admin/keys', headers: admin, payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toContainEqual(expect.objectContaining({ pointer }));
  });

  it('lists keys newest first, by tenant, page by page', async () => {
    for (const name of ['one', 'two', 'three']) {
      await app.app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: admin,
        payload: { name, tenant_id: 'paged', scopes: ['admin'] },
      });
    }
    const first = await app.app.inject({
      method: 'GET',
      url: '/v1/admin/keys?tenant_id=paged&limit=2',
      headers: admin,
    });
    expect(first.json().items.map((key: { name: string }) => key.name)).toEqual(['three', 'two']);
    const second = await app.app.inject({
      method: 'GET',
      url: `/v1/admin/keys?tenant_id=paged&limit=2&cursor=${first.json().next_cursor}`,
      headers: admin,
    });
    expect(second.json()).toMatchObject({ items: [{ name: 'one' }], next_cursor: null });
  });

  it('revokes a key: it stops working at once, and revoking again is harmless', async () => {
    const { key, token } = (
      await app.app.inject({
        method: 'POST',
        url: '/v1/admin/keys',
        headers: admin,
        payload: { name: 'gone', scopes: ['requests:read'] },
      })
    ).json();
    const revoked = await app.app.inject({
      method: 'DELETE',
      url: `/v1/admin/keys/${key.id}`,
      headers: admin,
    });
    expect(revoked.json()).toMatchObject({ id: key.id, status: 'revoked' });
    const refused = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('AUTH_KEY_REVOKED');
    const again = await app.app.inject({ method: 'DELETE', url: `/v1/admin/keys/${key.id}`, headers: admin });
    expect(again.json().revoked_at).toBe(revoked.json().revoked_at);
  });

  it('answers 404 AUTH_KEY_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
    const missing = await app.app.inject({
      method: 'DELETE',
      url: '/v1/admin/keys/key_ffffffffffffffff',
      headers: admin,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('AUTH_KEY_NOT_FOUND');
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/admin/keys/nope', headers: admin })).statusCode,
    ).toBe(400);
  });
});
