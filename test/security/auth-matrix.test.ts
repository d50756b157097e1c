import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_EXTENSION } from '../../src/platform/http/index.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The authentication and authorization matrix of every operation in /openapi.json. The scope each
 * operation needs is not taken from the document: the server says it (the `required_scope` of the 403 a key
 * without it gets, read from the matched route's `config.scope`), the document's `x-keel-scope` must agree,
 * and keys of every scope are tried: only a key with that scope (or its `<family>:*`, or `admin`) gets in.
 * A new route is covered the day it is added; a wrong documented scope fails here. Cases: no key, a bad
 * key, a revoked key, an expired key, a key of each other scope, a key with exactly the scope.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-auth-matrix-0123';
const START = new Date('2026-11-21T10:00:00.000Z');

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  /** What the document says (`x-keel-scope`). */
  readonly documented: string;
  /** What the server enforces, found by calling it. */
  readonly enforced: string;
}

type Case = 'no key' | 'bad key' | 'revoked key' | 'expired key' | 'wrong scope' | 'right scope';

let app: TestApp;
let now = START;
const operations: Operation[] = [];
const tokens = new Map<string, { right: string; revoked: string; expired: string; family?: string }>();
let wrongScopeToken = '';

/** A concrete URL for a templated path; the parameter values only need to reach the guard. */
function concrete(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) =>
    name === 'id' ? 'key_0123456789abcdef' : `probe-${name}`,
  );
}

/** The stable error code, from a problem document or from the OpenAI surface's error shape. */
function codeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { code?: string; error?: { code?: string } };
    return parsed.code ?? parsed.error?.code;
  } catch {
    return undefined;
  }
}

async function send(operation: { method: string; url: string }, token: string | undefined) {
  const hasBody = operation.method !== 'GET' && operation.method !== 'DELETE' && operation.method !== 'HEAD';
  return app.app.inject({
    method: operation.method as 'GET',
    url: operation.url,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
    },
    ...(hasBody ? { payload: '{}' } : {}),
  });
}

/** The scope the server enforces on an operation: `public` when it lets a keyless call through. */
async function enforcedScope(operation: { method: string; url: string }, probe: string): Promise<string> {
  const keyless = await send(operation, undefined);
  if (![401, 403].includes(keyless.statusCode)) return 'public';
  const refused = await send(operation, probe);
  const body = JSON.parse(refused.body) as { required_scope?: string; error?: { message?: string } };
  // The OpenAI surface answers in OpenAI's error shape: the scope is in the message.
  return body.required_scope ?? /needs the `([^`]+)` scope/.exec(body.error?.message ?? '')?.[1] ?? 'unknown';
}

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY, clock: { now: () => now } });
  wrongScopeToken = (
    await app.keys.create({ name: 'no useful scope', tenantId: 'matrix', scopes: ['nothing:read'] })
  ).token;
  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const found = { method: method.toUpperCase(), path, url: concrete(path) };
      operations.push({
        ...found,
        documented: String(operation[SCOPE_EXTENSION]),
        enforced: await enforcedScope(found, wrongScopeToken),
      });
    }
  }
  for (const scope of new Set(operations.map((operation) => operation.enforced))) {
    if (scope === 'public' || scope === 'unknown') continue;
    const make = async (scopes: string[], expiresAt?: Date) =>
      (
        await app.keys.create({
          name: `matrix ${scopes.join(' ')}`,
          tenantId: 'matrix',
          scopes,
          ...(expiresAt ? { expiresAt } : {}),
        })
      ).token;
    const right = await make([scope]);
    const revokedKey = await app.keys.create({
      name: `revoked ${scope}`,
      tenantId: 'matrix',
      scopes: [scope],
    });
    await app.keys.revoke(revokedKey.key.id);
    const expired = await make([scope], new Date(START.getTime() + 3_600_000));
    const separator = scope.indexOf(':');
    const family = separator > 0 ? await make([`${scope.slice(0, separator)}:*`]) : undefined;
    tokens.set(scope, { right, revoked: revokedKey.token, expired, ...(family ? { family } : {}) });
  }
  // Every expiring key is now past its expiry.
  now = new Date(START.getTime() + 2 * 3_600_000);
  // Hundreds of keys and requests (thousands in the tests below): slow on a loaded machine, never timed.
}, 180_000);
afterAll(async () => app?.close());

describe('auth matrix over /openapi.json', () => {
  it('finds the operations, each with a scope its route declared', () => {
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.filter((operation) => operation.enforced === 'unknown')).toEqual([]);
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toContain(
      'POST /v1/admin/keys',
    );
    // Every documented route declares its scope (`config.scope`), rather than falling back to `admin`.
    const declared = new Set(app.routes.filter((route) => !route.hidden).map((route) => route.scope));
    expect(declared.has(undefined)).toBe(false);
    expect(
      operations.filter((operation) => operation.enforced !== 'public' && !declared.has(operation.enforced)),
    ).toEqual([]);
  });

  it('documents the scope the server enforces on every operation', () => {
    const wrong = operations
      .filter((operation) => operation.documented !== operation.enforced)
      .map(
        (operation) =>
          `${operation.method} ${operation.path}: documented ${operation.documented}, enforced ${operation.enforced}`,
      );
    expect(wrong).toEqual([]);
  });

  it('answers every protected operation as the matrix says, and lets public ones through without a key', {
    timeout: 180_000,
  }, async () => {
    const failures: string[] = [];
    const expectations: Record<Exclude<Case, 'right scope'>, [number, string]> = {
      'no key': [401, 'AUTH_REQUIRED'],
      'bad key': [401, 'AUTH_INVALID'],
      'revoked key': [401, 'AUTH_KEY_REVOKED'],
      'expired key': [401, 'AUTH_KEY_EXPIRED'],
      'wrong scope': [403, 'AUTH_SCOPE_MISSING'],
    };
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path} [${operation.enforced}]`;
      if (operation.enforced === 'public') {
        const response = await send(operation, undefined);
        if ([401, 403].includes(response.statusCode))
          failures.push(`${label} public but answered ${response.statusCode}`);
        continue;
      }
      const keys = tokens.get(operation.enforced);
      if (!keys) throw new Error(`no keys for ${operation.enforced}`);
      const cases: Array<[Case, string | undefined]> = [
        ['no key', undefined],
        ['bad key', `keel_ffffffffffffffff_${'B'.repeat(43)}`],
        ['revoked key', keys.revoked],
        ['expired key', keys.expired],
        ['wrong scope', wrongScopeToken],
        ['right scope', keys.right],
        ...(keys.family ? [['right scope', keys.family] as [Case, string]] : []),
      ];
      for (const [name, token] of cases) {
        const response = await send(operation, token);
        if (name === 'right scope') {
          if ([401, 403].includes(response.statusCode)) {
            failures.push(`${label} ${name}: ${response.statusCode} ${codeOf(response.body)}`);
          }
          continue;
        }
        const [status, code] = expectations[name];
        if (response.statusCode !== status || codeOf(response.body) !== code) {
          failures.push(
            `${label} ${name}: expected ${status} ${code}, got ${response.statusCode} ${codeOf(response.body)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a key of every other scope on every protected operation', { timeout: 180_000 }, async () => {
    const admitted: string[] = [];
    for (const operation of operations) {
      if (operation.enforced === 'public') continue;
      for (const [scope, keys] of tokens) {
        if (scope === operation.enforced || scope === 'admin') continue;
        const response = await send(operation, keys.right);
        if (response.statusCode !== 403 || codeOf(response.body) !== 'AUTH_SCOPE_MISSING') {
          admitted.push(
            `${operation.method} ${operation.path} [${operation.enforced}] with a ${scope} key: ${response.statusCode}`,
          );
        }
      }
    }
    expect(admitted).toEqual([]);
  });

  it('accepts the admin key on every operation', async () => {
    const refused = [];
    for (const operation of operations) {
      const response = await send(operation, ADMIN_KEY);
      if ([401, 403].includes(response.statusCode)) refused.push(`${operation.method} ${operation.path}`);
    }
    expect(refused).toEqual([]);
  });
});
