import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../platform/errors/index.ts';
import { ApiKeyService } from './api-key.service.ts';
import { parseToken } from './api-key.ts';
import { hashSecretWithScrypt, UNMATCHABLE_HASH, verifySecret } from './key-hash.ts';
import { MemoryApiKeyStore } from './memory-api-key-store.ts';

// Issue 17 item 9: failed key checks must be cheap (no scrypt) and say nothing about which ids exist.
const crypto = vi.hoisted(() => ({ scryptCalls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    scrypt: (...parameters: Parameters<typeof actual.scrypt>) => {
      crypto.scryptCalls += 1;
      return actual.scrypt(...parameters);
    },
  };
});
vi.mock('./key-hash.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./key-hash.ts')>();
  return { ...actual, verifySecret: vi.fn(actual.verifySecret) };
});

afterEach(() => {
  crypto.scryptCalls = 0;
  vi.mocked(verifySecret).mockClear();
});

function setup() {
  const store = new MemoryApiKeyStore();
  const reads = vi.spyOn(store, 'get');
  const keys = new ApiKeyService({
    store,
    clock: { now: () => new Date() },
    adminKey: 'admin-key-for-verification-tests-0123456789',
    defaultTenantId: 'default',
  });
  return { store, reads, keys };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
}

const secretOf = (seed: string) => seed.padEnd(43, 'Q').slice(0, 43);

describe('API key verification', () => {
  it('creates and verifies keys without scrypt', async () => {
    const { keys } = setup();
    const { token } = await keys.create({ name: 'app', tenantId: 'acme', scopes: ['admin'] });
    expect((await keys.authenticate(token)).kind).toBe('api-key');
    expect(crypto.scryptCalls).toBe(0);
  });

  it('checks an unknown id and a wrong secret the same way: one digest compare, one read, no scrypt', async () => {
    const { keys, reads, store } = setup();
    const { key } = await keys.create({ name: 'app', tenantId: 'acme', scopes: ['admin'] });
    const stored = (await store.get(key.id))?.secretHash;
    const cases = [
      { name: 'wrong secret', id: key.id, expectedHash: stored },
      { name: 'unknown id', id: 'key_0123456789abcdef', expectedHash: UNMATCHABLE_HASH },
    ];
    const readsPerCase: number[] = [];
    for (const each of cases) {
      reads.mockClear();
      vi.mocked(verifySecret).mockClear();
      const secret = secretOf(Math.random().toString(36).slice(2));
      const token = `keel_${each.id.slice(4)}_${secret}`;
      expect(await codeOf(keys.authenticate(token)), each.name).toBe('AUTH_INVALID');
      readsPerCase.push(reads.mock.calls.length);
      expect(vi.mocked(verifySecret).mock.calls, each.name).toEqual([[secret, each.expectedHash]]);
    }
    // Same work either way: one store read, one check against a hash of the same scheme.
    expect(readsPerCase).toEqual([1, 1]);
    expect(String(stored).split('$')[0]).toBe(UNMATCHABLE_HASH.split('$')[0]);
    expect(crypto.scryptCalls).toBe(0);
  });

  it('verifies an old scrypt hash once, then replaces it with a digest; wrong secrets still fail', async () => {
    const { keys, store } = setup();
    const { key, token } = await keys.create({ name: 'old', tenantId: 'acme', scopes: ['admin'] });
    const secret = parseToken(token)?.secret ?? '';
    const legacy = await hashSecretWithScrypt(secret);
    await store.replaceSecretHash(key.id, (await store.get(key.id))?.secretHash ?? '', legacy);
    const fresh = new ApiKeyService({
      store,
      clock: { now: () => new Date() },
      adminKey: undefined,
      defaultTenantId: 'default',
    });
    crypto.scryptCalls = 0;
    expect(await codeOf(fresh.authenticate(`keel_${key.id.slice(4)}_${secretOf('wrong')}`))).toBe(
      'AUTH_INVALID',
    );
    expect((await fresh.authenticate(token)).keyId).toBe(key.id);
    expect((await store.get(key.id))?.secretHash).toMatch(/^sha256\$/);
    const afterUpgrade = crypto.scryptCalls;
    // Another process (no cache) now verifies it without scrypt.
    const other = new ApiKeyService({
      store,
      clock: { now: () => new Date() },
      adminKey: undefined,
      defaultTenantId: 'default',
    });
    expect((await other.authenticate(token)).keyId).toBe(key.id);
    expect(await codeOf(other.authenticate(`keel_${key.id.slice(4)}_${secretOf('also-wrong')}`))).toBe(
      'AUTH_INVALID',
    );
    expect(crypto.scryptCalls).toBe(afterUpgrade);
  });

  it('never matches a malformed or damaged hash, and refuses a scrypt cost above the old one', async () => {
    const secret = secretOf('s');
    for (const stored of ['', 'sha256$', 'sha256$AAAA', 'md5$x', 'scrypt$1048576$8$1$c2FsdA$aGFzaA']) {
      expect(await verifySecret(secret, stored), stored).toBe(false);
    }
    expect(crypto.scryptCalls).toBe(0);
  });
});
