import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

const ADMIN_KEY = 'keel-admin-key-for-tests-0123456789';

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

describe('auth guard with KEEL_ADMIN_KEY set', () => {
  let app: TestApp;
  let readerToken: string;
  beforeAll(async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    readerToken = (await app.keys.create({ name: 'reader', tenantId: 'acme', scopes: ['requests:read'] }))
      .token;
  });
  afterAll(async () => app.close());

  it('answers 401 AUTH_REQUIRED with a Bearer challenge when no key is sent', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/v1/requests' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().code).toBe('AUTH_REQUIRED');
  });

  it('answers 401 AUTH_INVALID for a wrong key, and never echoes it', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: bearer('wrong-key-value'),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID');
    expect(response.headers['www-authenticate']).toContain('invalid_token');
    expect(response.body).not.toContain('wrong-key-value');
  });

  it('answers 401 AUTH_INVALID to a bearer that is not a Keel key: only open mode ignores one', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: bearer('sk-placeholder'),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID');
    // The OpenAI-compatible routes answer in OpenAI's error shape, with Keel's code.
    const models = await app.app.inject({
      method: 'GET',
      url: '/openai/v1/models',
      headers: bearer('sk-placeholder'),
    });
    expect(models.statusCode).toBe(401);
    expect(models.json().error.code).toBe('AUTH_INVALID');
  });

  it('accepts only the Bearer scheme', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString('base64')}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID');
  });

  it.each([
    ['api_key', ADMIN_KEY],
    ['token', 'anything'],
    ['q', ADMIN_KEY],
  ])(
    'rejects a key in the query string (%s) with 400 AUTH_KEY_IN_QUERY, even with a valid header',
    async (name, value) => {
      const response = await app.app.inject({
        method: 'GET',
        url: `/v1/requests?${name}=${encodeURIComponent(value)}`,
        headers: bearer(ADMIN_KEY),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('AUTH_KEY_IN_QUERY');
      expect(response.body).not.toContain(ADMIN_KEY);
    },
  );

  it('rejects a Keel token pasted into any query parameter', async () => {
    const response = await app.app.inject({ method: 'GET', url: `/healthz?x=${readerToken}` });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain(readerToken);
  });

  it('lets the admin key and a key with the scope through, and refuses a key without it with 403', async () => {
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/requests', headers: bearer(ADMIN_KEY) })).statusCode,
    ).toBe(200);
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/requests', headers: bearer(readerToken) })).statusCode,
    ).toBe(200);
    const forbidden = await app.app.inject({
      method: 'GET',
      url: '/v1/admin/keys',
      headers: bearer(readerToken),
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'AUTH_SCOPE_MISSING', required_scope: 'admin' });
  });

  it("scopes the request to the key's tenant", async () => {
    const writer = await app.keys.create({ name: 'w', tenantId: 'tenant-x', scopes: ['requests:read'] });
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { ...bearer(writer.token), 'x-request-id': 'tenant-probe-1' },
    });
    expect(response.statusCode).toBe(200);
    await app.writer.flush();
    expect(await app.store.get('tenant-x', 'tenant-probe-1')).toMatchObject({
      apiKeyId: writer.key.id,
      route: '/v1/requests',
    });
    expect(await app.store.get('default', 'tenant-probe-1')).toBeUndefined();
  });

  it('keeps health, readiness, the API description and the reference page public', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/']) {
      expect((await app.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });

  it('answers an unknown route 404 without asking for a key', async () => {
    expect((await app.app.inject({ method: 'GET', url: '/v1/no-such-route' })).statusCode).toBe(404);
  });

  it('never writes a key to the logs', async () => {
    await app.app.inject({ method: 'GET', url: '/v1/requests', headers: bearer(ADMIN_KEY) });
    await app.app.inject({ method: 'GET', url: '/v1/requests', headers: bearer(readerToken) });
    const logs = app.logs.raw.join('\n');
    expect(logs).not.toContain(ADMIN_KEY);
    expect(logs).not.toContain(readerToken);
  });
});

describe('auth guard with no admin key (embedded default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => app.close());

  it('treats keyless requests as the local administrator', async () => {
    expect((await app.app.inject({ method: 'GET', url: '/v1/admin/keys' })).statusCode).toBe(200);
  });

  it.each(['sk-placeholder', 'ollama', 'not-a-keel-key-0123456789'])(
    'ignores a bearer that is not a Keel key (%s), as the OpenAI SDK must send one (decision 0152)',
    async (token) => {
      const response = await app.app.inject({ method: 'GET', url: '/v1/admin/keys', headers: bearer(token) });
      expect(response.statusCode).toBe(200);
      const models = await app.app.inject({
        method: 'GET',
        url: '/openai/v1/models',
        headers: bearer(token),
      });
      expect(models.statusCode).toBe(200);
    },
  );

  it('answers 401 AUTH_INVALID to a mistyped Keel key rather than ignoring it', async () => {
    const { token } = await app.keys.create({ name: 'typo', tenantId: 'acme', scopes: ['requests:read'] });
    const typo = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const response = await app.app.inject({ method: 'GET', url: '/v1/requests', headers: bearer(typo) });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID');
    const malformed = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: bearer('keel_oops'),
    });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json().code).toBe('AUTH_INVALID');
  });

  it('still checks a key that is sent, and applies its tenant and scopes', async () => {
    const bad = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: bearer(`keel_ffffffffffffffff_${'A'.repeat(43)}`),
    });
    expect(bad.statusCode).toBe(401);
    const { token } = await app.keys.create({ name: 'r', tenantId: 'acme', scopes: ['requests:read'] });
    expect(
      (await app.app.inject({ method: 'GET', url: '/v1/admin/keys', headers: bearer(token) })).statusCode,
    ).toBe(403);
  });
});
