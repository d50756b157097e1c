import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

describe('/console static files', () => {
  let dist: string;
  let app: TestApp;
  let missing: TestApp;
  beforeAll(async () => {
    dist = await mkdtemp(path.join(tmpdir(), 'keel-console-'));
    await mkdir(path.join(dist, 'assets'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Keel console</title>');
    await writeFile(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await buildTestApp({
      adminKey: 'admin-key-for-console-tests-0123456789',
      console: { distDirectory: dist },
    });
    missing = await buildTestApp({ console: { distDirectory: path.join(dist, 'nowhere') } });
  });
  afterAll(async () => {
    await app.close();
    await missing.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves index.html without a key, for /console and for client-side routes, revalidated', async () => {
    for (const url of [
      '/console',
      '/console/',
      '/console/jobs/job_123',
      '/console/playground?capability=generate',
    ]) {
      const response = await app.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('Keel console');
    }
  });

  it('serves hashed assets as immutable and other files revalidated, with their types and the CSP', async () => {
    const script = await app.app.inject({ method: 'GET', url: '/console/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-security-policy']).toContain("default-src 'self'");
    const icon = await app.app.inject({ method: 'GET', url: '/console/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing file, and any path leaving dist, with a 404 problem', async () => {
    for (const url of [
      '/console/assets/gone.js',
      '/console/..%2F..%2Fpackage.json',
      '/console/%2e%2e/%2e%2e/etc/passwd.txt',
    ]) {
      const response = await app.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toContain('application/problem+json');
      // Fastify's router refuses some malformed paths itself (ROUTE_NOT_FOUND); either way nothing leaks.
      expect(['CONSOLE_FILE_NOT_FOUND', 'ROUTE_NOT_FOUND'], url).toContain(response.json().code);
      expect(response.body).not.toContain('"name": "keel"');
    }
  });

  it('tells to run `npm run build:console` when dist is missing', async () => {
    const response = await missing.app.inject({ method: 'GET', url: '/console/' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'CONSOLE_NOT_BUILT' });
    expect(response.json().detail).toContain('npm run build:console');
  });
});

describe('GET /v1/me', () => {
  let app: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ adminKey: 'admin-key-for-console-tests-0123456789' });
    open = await buildTestApp();
  });
  afterAll(async () => {
    await app.close();
    await open.close();
  });

  it("describes a key's tenant, scopes and limits, whatever its scopes", async () => {
    const { token, key } = await app.keys.create({
      name: 'reader',
      tenantId: 'acme',
      scopes: ['jobs:read'],
      limits: { requestsPerMinute: 30 },
    });
    const response = await app.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      authenticated: true,
      kind: 'api-key',
      key_id: key.id,
      tenant_id: 'acme',
      scopes: ['jobs:read'],
      limits: { requests_per_minute: 30 },
    });
  });

  it('refuses a bad or revoked key, and answers anonymous without one', async () => {
    const bad = await app.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer keel_ffffffffffffffff_${'B'.repeat(43)}` },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('AUTH_INVALID');
    const { token, key } = await app.keys.create({ name: 'old', tenantId: 'acme', scopes: ['admin'] });
    await app.keys.revoke(key.id);
    const revoked = await app.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(revoked.json().code).toBe('AUTH_KEY_REVOKED');
    const basic = await app.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Basic eDp5' },
    });
    expect(basic.statusCode).toBe(401);
    const anonymous = await app.app.inject({ method: 'GET', url: '/v1/me' });
    expect(anonymous.json()).toMatchObject({ authenticated: false, tenant_id: null, scopes: [] });
  });

  it('answers the open admin principal when Keel needs no key', async () => {
    const response = await open.app.inject({ method: 'GET', url: '/v1/me' });
    expect(response.json()).toMatchObject({
      authenticated: true,
      kind: 'open',
      tenant_id: 'default',
      scopes: ['admin'],
    });
  });
});
