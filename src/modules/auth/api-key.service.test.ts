import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { ApiKeyService } from './api-key.service.ts';
import { parseToken } from './api-key.ts';
import { MemoryApiKeyStore } from './memory-api-key-store.ts';

const ADMIN_KEY = 'admin-key-for-service-tests-0123456789';

function service(
  options: { adminKey?: string; now?: () => Date; store?: MemoryApiKeyStore; recordTtlMs?: number } = {},
) {
  const store = options.store ?? new MemoryApiKeyStore();
  return {
    store,
    keys: new ApiKeyService({
      store,
      clock: { now: options.now ?? (() => new Date()) },
      adminKey: 'adminKey' in options ? options.adminKey : ADMIN_KEY,
      defaultTenantId: 'default',
      defaultLimits: { requestsPerMinute: 100 },
      ...(options.recordTtlMs === undefined ? {} : { recordTtlMs: options.recordTtlMs }),
    }),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
}

describe('ApiKeyService', () => {
  it('creates a key shown once, stored only as a SHA-256 digest of its secret', async () => {
    const { keys, store } = service();
    const { key, token } = await keys.create({
      name: 'ci',
      tenantId: 'acme',
      scopes: ['capability:*', 'capability:*'],
    });
    expect(token).toMatch(/^keel_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parseToken(token)?.id).toBe(key.id);
    expect(key).toMatchObject({ name: 'ci', tenantId: 'acme', scopes: ['capability:*'], revokedAt: null });
    const stored = await store.get(key.id);
    expect(stored?.secretHash).toMatch(/^sha256\$[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(parseToken(token)?.secret);
    expect(key).not.toHaveProperty('secretHash');
  });

  it('authenticates a key to its tenant, scopes and limits over the defaults', async () => {
    const { keys } = service();
    const { key, token } = await keys.create({
      name: 'app',
      tenantId: 'acme',
      scopes: ['documents:read'],
      limits: { tokensPerMinute: 5_000 },
    });
    expect(await keys.authenticate(token)).toEqual({
      kind: 'api-key',
      keyId: key.id,
      subject: key.id,
      tenantId: 'acme',
      scopes: ['documents:read'],
      limits: { requestsPerMinute: 100, tokensPerMinute: 5_000 },
    });
    expect(await keys.limitsFor(key.id)).toEqual({ requestsPerMinute: 100, tokensPerMinute: 5_000 });
  });

  it('refuses a wrong secret for a real key id, an unknown id and a malformed token alike', async () => {
    const { keys } = service();
    const { token } = await keys.create({ name: 'app', tenantId: 'acme', scopes: ['admin'] });
    const parsed = parseToken(token);
    const wrongSecret = `keel_${parsed?.id.slice(4)}_${'A'.repeat(43)}`;
    expect(await codeOf(keys.authenticate(wrongSecret))).toBe('AUTH_INVALID');
    expect(await codeOf(keys.authenticate(wrongSecret))).toBe('AUTH_INVALID');
    expect(await codeOf(keys.authenticate(`keel_ffffffffffffffff_${'A'.repeat(43)}`))).toBe('AUTH_INVALID');
    expect(await codeOf(keys.authenticate('sk-not-a-keel-key'))).toBe('AUTH_INVALID');
    expect(await codeOf(keys.authenticate(`${token}x`))).toBe('AUTH_INVALID');
  });

  it('refuses a revoked key at once in this process, and in another process within the record lifetime', async () => {
    const store = new MemoryApiKeyStore();
    const first = service({ store, recordTtlMs: 0 });
    const second = service({ store, recordTtlMs: 0 });
    const { key, token } = await first.keys.create({ name: 'app', tenantId: 'acme', scopes: ['admin'] });
    await second.keys.authenticate(token);
    const revoked = await first.keys.revoke(key.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await codeOf(first.keys.authenticate(token))).toBe('AUTH_KEY_REVOKED');
    expect(await codeOf(second.keys.authenticate(token))).toBe('AUTH_KEY_REVOKED');
    expect((await first.keys.revoke(key.id)).revokedAt).toEqual(revoked.revokedAt);
    expect(await codeOf(first.keys.revoke('key_ffffffffffffffff'))).toBe('AUTH_KEY_NOT_FOUND');
  });

  it('refuses an expired key', async () => {
    let now = new Date('2026-11-21T10:00:00.000Z');
    const { keys } = service({ now: () => now });
    const { token } = await keys.create({
      name: 'temp',
      tenantId: 'acme',
      scopes: ['admin'],
      expiresAt: new Date('2026-11-21T11:00:00.000Z'),
    });
    expect((await keys.authenticate(token)).kind).toBe('api-key');
    now = new Date('2026-11-21T11:00:00.000Z');
    expect(await codeOf(keys.authenticate(token))).toBe('AUTH_KEY_EXPIRED');
  });

  it('accepts the bootstrap admin key, and requires a key once one is configured', async () => {
    const { keys } = service();
    expect(await keys.authenticate(ADMIN_KEY)).toMatchObject({
      kind: 'admin-key',
      keyId: 'admin',
      scopes: ['admin'],
    });
    expect(await codeOf(keys.authenticate(undefined))).toBe('AUTH_REQUIRED');
    expect(await codeOf(keys.authenticate(`${ADMIN_KEY}x`))).toBe('AUTH_INVALID');
    expect(keys.open).toBe(false);
  });

  it('lets keyless requests act as the local administrator when no admin key is set', async () => {
    const { keys } = service({ adminKey: undefined });
    expect(keys.open).toBe(true);
    expect(await keys.authenticate(undefined)).toMatchObject({
      kind: 'open',
      keyId: undefined,
      subject: 'local',
      tenantId: 'default',
      scopes: ['admin'],
      limits: { requestsPerMinute: 100 },
    });
    // A key that is sent is still checked.
    expect(await codeOf(keys.authenticate(`keel_ffffffffffffffff_${'A'.repeat(43)}`))).toBe('AUTH_INVALID');
  });

  it('records last use at most once per interval', async () => {
    const { keys, store } = service();
    const { key, token } = await keys.create({ name: 'app', tenantId: 'acme', scopes: ['admin'] });
    await keys.authenticate(token);
    await expect.poll(async () => (await store.get(key.id))?.lastUsedAt).toBeInstanceOf(Date);
    const first = (await store.get(key.id))?.lastUsedAt;
    await keys.authenticate(token);
    expect((await store.get(key.id))?.lastUsedAt).toEqual(first);
  });
});

describe('ApiKeyService during a key-store outage', () => {
  class FlakyStore extends MemoryApiKeyStore {
    failure: Error | undefined;
    override async get(id: string) {
      if (this.failure) throw this.failure;
      return super.get(id);
    }
  }

  async function setUp(outageGraceMs?: number) {
    const store = new FlakyStore();
    const keys = new ApiKeyService({
      store,
      clock: { now: () => new Date() },
      adminKey: ADMIN_KEY,
      defaultTenantId: 'default',
      recordTtlMs: 0,
      ...(outageGraceMs === undefined ? {} : { outageGraceMs }),
    });
    const recent = await keys.create({ name: 'recent', tenantId: 'acme', scopes: ['capability:*'] });
    const unseen = await keys.create({ name: 'unseen', tenantId: 'acme', scopes: ['capability:*'] });
    await keys.authenticate(recent.token);
    return { store, keys, recent, unseen };
  }

  // What the SQL store throws at its boundary (platform/db maps driver errors to DATABASE_UNAVAILABLE).
  const outages = [
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [
      'terminated',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
  ].map(([name, cause]) => [name, databaseUnavailable(cause)] as const);

  it.each(outages)('keeps a recently verified key valid (%s)', async (_name, failure) => {
    const { store, keys, recent } = await setUp();
    store.failure = failure;
    expect(await keys.authenticate(recent.token)).toMatchObject({ keyId: recent.key.id, tenantId: 'acme' });
  });

  it.each(outages)('answers 503 for a key it has not verified recently (%s)', async (_name, failure) => {
    const { store, keys, unseen } = await setUp();
    store.failure = failure;
    expect(await codeOf(keys.authenticate(unseen.token))).toBe('DATABASE_UNAVAILABLE');
  });

  it('stops trusting a cached record after the grace period', async () => {
    const { store, keys, recent } = await setUp(0);
    store.failure = databaseUnavailable(new Error('connect ECONNREFUSED'));
    expect(await codeOf(keys.authenticate(recent.token))).toBe('DATABASE_UNAVAILABLE');
  });

  it('does not hide an error that is not an outage', async () => {
    const { store, keys, recent } = await setUp();
    store.failure = new TypeError('a bug');
    expect(await codeOf(keys.authenticate(recent.token))).toBe('not an AppError: TypeError: a bug');
  });
});
