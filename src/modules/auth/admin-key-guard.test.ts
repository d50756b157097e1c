import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

const KEY = 'keel-admin-key-for-tests-0123456789';

describe('admin key guard', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ adminKey: KEY });
  });
  afterAll(async () => app.close());

  it('answers 401 AUTH_REQUIRED with a Bearer challenge when no key is sent', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/v1/requests' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json().code).toBe('AUTH_REQUIRED');
  });

  it('answers 401 AUTH_INVALID for a wrong key, and never echoes it', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { authorization: 'Bearer wrong-key-value' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('AUTH_INVALID');
    expect(response.body).not.toContain('wrong-key-value');
  });

  it('does not accept the key in the query string', async () => {
    const response = await app.app.inject({ method: 'GET', url: `/v1/requests?api_key=${KEY}` });
    expect(response.statusCode).toBe(401);
  });

  it('lets the right key through', async () => {
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/requests',
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it('keeps health, readiness and the API description public', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) {
      expect((await app.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
  });

  it('redacts the authorization header from logs', async () => {
    await app.app.inject({ method: 'GET', url: '/v1/requests', headers: { authorization: `Bearer ${KEY}` } });
    expect(app.logs.raw.join('\n')).not.toContain(KEY);
  });
});
