import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_EXTENSION } from '../../src/platform/http/index.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The authentication and authorization matrix of every operation in /openapi.json, generated from the
 * document itself (its `x-keel-scope`), so a new route is covered the day it is added: no key, a bad key,
 * a revoked key, an expired key, a key without the scope, and a key with exactly the scope.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-auth-matrix-0123';
const START = new Date('2026-11-21T10:00:00.000Z');

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly scope: string;
}

type Case = 'no key' | 'bad key' | 'revoked key' | 'expired key' | 'wrong scope' | 'right scope';

let app: TestApp;
let now = START;
let operations: Operation[] = [];
const tokens = new Map<string, { right: string; revoked: string; expired: string }>();
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

async function send(operation: Operation, token: string | undefined) {
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

beforeAll(async () => {
  app = await buildTestApp({ adminKey: ADMIN_KEY, clock: { now: () => now } });
  const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      url: concrete(path),
      scope: String(operation[SCOPE_EXTENSION]),
    })),
  );
  for (const scope of new Set(operations.map((operation) => operation.scope))) {
    if (scope === 'public') continue;
    const make = async (expiresAt?: Date) =>
      (
        await app.keys.create({
          name: `matrix ${scope}`,
          tenantId: 'matrix',
          scopes: [scope],
          ...(expiresAt ? { expiresAt } : {}),
        })
      ).token;
    const right = await make();
    const revokedKey = await app.keys.create({
      name: `revoked ${scope}`,
      tenantId: 'matrix',
      scopes: [scope],
    });
    await app.keys.revoke(revokedKey.key.id);
    const expired = await make(new Date(START.getTime() + 3_600_000));
    tokens.set(scope, { right, revoked: revokedKey.token, expired });
  }
  wrongScopeToken = (
    await app.keys.create({ name: 'no useful scope', tenantId: 'matrix', scopes: ['nothing:read'] })
  ).token;
  // Every expiring key is now past its expiry.
  now = new Date(START.getTime() + 2 * 3_600_000);
});
afterAll(async () => app?.close());

describe('auth matrix over /openapi.json', () => {
  it('finds the operations, each with a declared scope', () => {
    expect(operations.length).toBeGreaterThan(10);
    expect(operations.filter((operation) => operation.scope === 'undefined')).toEqual([]);
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toContain(
      'POST /v1/admin/keys',
    );
  });

  it('answers every protected operation as the matrix says, and lets public ones through without a key', async () => {
    const failures: string[] = [];
    const expectations: Record<Exclude<Case, 'right scope'>, [number, string]> = {
      'no key': [401, 'AUTH_REQUIRED'],
      'bad key': [401, 'AUTH_INVALID'],
      'revoked key': [401, 'AUTH_KEY_REVOKED'],
      'expired key': [401, 'AUTH_KEY_EXPIRED'],
      'wrong scope': [403, 'AUTH_SCOPE_MISSING'],
    };
    for (const operation of operations) {
      const label = `${operation.method} ${operation.path} [${operation.scope}]`;
      if (operation.scope === 'public') {
        const response = await send(operation, undefined);
        if ([401, 403].includes(response.statusCode))
          failures.push(`${label} public but answered ${response.statusCode}`);
        continue;
      }
      const keys = tokens.get(operation.scope);
      if (!keys) throw new Error(`no keys for ${operation.scope}`);
      const cases: Array<[Case, string | undefined]> = [
        ['no key', undefined],
        ['bad key', `keel_ffffffffffffffff_${'B'.repeat(43)}`],
        ['revoked key', keys.revoked],
        ['expired key', keys.expired],
        ['wrong scope', wrongScopeToken],
        ['right scope', keys.right],
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

  it('accepts the admin key on every operation', async () => {
    const refused = [];
    for (const operation of operations) {
      const response = await send(operation, ADMIN_KEY);
      if ([401, 403].includes(response.statusCode)) refused.push(`${operation.method} ${operation.path}`);
    }
    expect(refused).toEqual([]);
  });
});
