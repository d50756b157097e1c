import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/platform/http/loopback-guard.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Open mode (no KEEL_ADMIN_KEY) against DNS rebinding and cross-site requests: only loopback `Host`
 * names are answered, and a browser request must come from Keel's own origin or KEEL_CORS_ORIGINS. With
 * an admin key set, keys protect every route and the guard is off.
 */

const CONFIGURED = 'https://app.example.com';
/** A route only the administrator may call (what a rebinding page is after), and a public one. */
const ROUTES = ['/v1/admin/keys', '/healthz'];

let open: TestApp;
let keyed: TestApp;
const ADMIN_KEY = 'keel-admin-key-for-the-loopback-guard-1';

beforeAll(async () => {
  open = await buildTestApp({ http: { bodyLimitBytes: 1_048_576, corsOrigins: [CONFIGURED] } });
  keyed = await buildTestApp({ adminKey: ADMIN_KEY });
});
afterAll(async () => {
  await open?.close();
  await keyed?.close();
});

function codeOf(body: string): string | undefined {
  return (JSON.parse(body) as { code?: string }).code;
}

describe('open mode: Host names', () => {
  const allowed = [
    'localhost',
    'localhost:8080',
    'LocalHost:8080',
    '127.0.0.1',
    '127.0.0.1:8080',
    '127.0.0.2:9000',
    '[::1]',
    '[::1]:8080',
    'keel.localhost',
    'app.keel.localhost:3000',
  ];
  const refused = [
    'evil.example',
    'evil.example:8080',
    'localhost.evil.example',
    '127.0.0.1.nip.io:8080',
    'attacker.example:127.0.0.1',
    '0.0.0.0:8080',
    '192.168.1.10:8080',
    '10.0.0.1',
    '[::ffff:127.0.0.1]:8080',
    '[fe80::1]',
    '127.0.0.256',
    'localhost:8080:8080',
  ];

  it.each(allowed.flatMap((host) => ROUTES.map((url) => [host, url])))(
    'answers Host %j on %s',
    async (host, url) => {
      const response = await open.app.inject({ method: 'GET', url, headers: { host } });
      expect(response.statusCode).toBe(200);
    },
  );

  it.each(refused.flatMap((host) => ROUTES.map((url) => [host, url])))(
    'refuses Host %j on %s with 403 REQUEST_HOST_NOT_ALLOWED',
    async (host, url) => {
      const response = await open.app.inject({ method: 'GET', url, headers: { host } });
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(codeOf(response.body)).toBe('REQUEST_HOST_NOT_ALLOWED');
    },
  );
});

describe('open mode: browser origins', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['no Origin (curl, SDKs)', { host: '127.0.0.1:8080' }, true],
    ["Keel's own origin (the console)", { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' }, true],
    ['its own origin by name', { host: 'localhost:8080', origin: 'http://localhost:8080' }, true],
    ['a configured KEEL_CORS_ORIGINS origin', { host: 'localhost:8080', origin: CONFIGURED }, true],
    ['same-origin fetch metadata', { host: 'localhost:8080', 'sec-fetch-site': 'same-origin' }, true],
    ['a typed-in URL', { host: 'localhost:8080', 'sec-fetch-site': 'none' }, true],
    ['another site', { host: 'localhost:8080', origin: 'https://evil.example' }, false],
    ['another loopback port', { host: 'localhost:8080', origin: 'http://localhost:5173' }, false],
    ['another loopback name', { host: 'localhost:8080', origin: 'http://127.0.0.1:8080' }, false],
    ['an opaque origin', { host: 'localhost:8080', origin: 'null' }, false],
    [
      'a cross-site request without Origin',
      { host: 'localhost:8080', 'sec-fetch-site': 'cross-site' },
      false,
    ],
    [
      'a cross-site request naming our origin',
      { host: 'localhost:8080', origin: 'http://localhost:8080', 'sec-fetch-site': 'cross-site' },
      false,
    ],
  ];

  it.each(cases.flatMap(([name, headers, ok]) => ROUTES.map((url) => [name, url, headers, ok] as const)))(
    '%s on %s',
    async (_name, url, headers, ok) => {
      const response = await open.app.inject({ method: 'GET', url, headers });
      if (ok) {
        expect(response.statusCode).toBe(200);
      } else {
        expect(response.statusCode).toBe(403);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(codeOf(response.body)).toBe('REQUEST_CROSS_ORIGIN_REFUSED');
      }
    },
  );

  it('refuses a cross-origin preflight too', async () => {
    const response = await open.app.inject({
      method: 'OPTIONS',
      url: '/v1/admin/keys',
      headers: {
        host: 'localhost:8080',
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
      },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('with KEEL_ADMIN_KEY', () => {
  it('leaves Host and Origin to the keys: any name is answered, a key is what counts', async () => {
    const headers = { host: 'keel.example.com', origin: 'https://evil.example' };
    const withKey = await keyed.app.inject({
      method: 'GET',
      url: '/v1/admin/keys',
      headers: { ...headers, authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(withKey.statusCode).toBe(200);
    const without = await keyed.app.inject({ method: 'GET', url: '/v1/admin/keys', headers });
    expect(codeOf(without.body)).toBe('AUTH_REQUIRED');
  });
});

describe('isLoopbackHost', () => {
  it('reads names case-insensitively, with or without a port', () => {
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('[::1]:65535')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(false);
  });
});
