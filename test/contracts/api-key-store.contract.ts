import { beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, ApiKeyStore } from '../../src/modules/auth/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let counter = 0;

export function apiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  counter += 1;
  return {
    id: `key_${(counter * 7919 + Math.floor(Math.random() * 1e6)).toString(16).padStart(16, '0').slice(-16)}`,
    name: `key ${counter}`,
    tenantId: 'tenant-a',
    scopes: ['capability:*', 'requests:read'],
    secretHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
    limits: { requestsPerMinute: 60, budget: { usd: 5, period: 'month' } },
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    webhook: null,
    ...overrides,
  };
}

/** The behaviour every ApiKeyStore adapter must have; each adapter's test runs it. */
export function describeApiKeyStoreContract(name: string, createStore: () => Promise<ApiKeyStore>): void {
  describe(`ApiKeyStore contract: ${name}`, () => {
    let store: ApiKeyStore;

    beforeEach(async () => {
      store = await createStore();
    });

    it('returns an inserted key unchanged, limits, scopes and dates included', async () => {
      const record = apiKeyRecord({ expiresAt: new Date('2027-01-01T00:00:00.000Z') });
      await store.insert(record);
      expect(await store.get(record.id)).toEqual(record);
      expect(await store.get('key_ffffffffffffffff')).toBeUndefined();
      const hooked = apiKeyRecord({
        webhook: { url: 'https://hooks.example.com/keel', secret: 'whsec-0123456789-abcdefghijkl' },
      });
      await store.insert(hooked);
      expect(await store.get(hooked.id)).toEqual(hooked);
      const guarded = apiKeyRecord({ guardrails: ['pii-block', 'prompt-injection'] });
      await store.insert(guarded);
      expect(await store.get(guarded.id)).toEqual(guarded);
    });

    it('refuses a second key with the same id', async () => {
      const record = apiKeyRecord();
      await store.insert(record);
      await expect(store.insert({ ...record, name: 'other' })).rejects.toThrow();
      expect((await store.get(record.id))?.name).toBe(record.name);
    });

    it('revokes once: a second revocation keeps the first time', async () => {
      const record = apiKeyRecord();
      await store.insert(record);
      const first = new Date('2026-11-22T00:00:00.000Z');
      expect((await store.revoke(record.id, first))?.revokedAt).toEqual(first);
      expect((await store.revoke(record.id, new Date('2026-11-23T00:00:00.000Z')))?.revokedAt).toEqual(first);
      expect(await store.revoke('key_ffffffffffffffff', first)).toBeUndefined();
    });

    it('records last use, never moving it backwards', async () => {
      const record = apiKeyRecord();
      await store.insert(record);
      await store.touch(record.id, new Date('2026-11-22T12:00:00.000Z'));
      await store.touch(record.id, new Date('2026-11-22T11:00:00.000Z'));
      expect((await store.get(record.id))?.lastUsedAt).toEqual(new Date('2026-11-22T12:00:00.000Z'));
    });

    it('replaces a secret hash only while it is the expected one', async () => {
      const record = apiKeyRecord();
      await store.insert(record);
      expect(await store.replaceSecretHash(record.id, 'sha256$other', 'sha256$new')).toBe(false);
      expect((await store.get(record.id))?.secretHash).toBe(record.secretHash);
      expect(await store.replaceSecretHash(record.id, record.secretHash, 'sha256$new')).toBe(true);
      expect((await store.get(record.id))?.secretHash).toBe('sha256$new');
      expect(await store.replaceSecretHash(record.id, record.secretHash, 'sha256$newer')).toBe(false);
      expect(await store.replaceSecretHash('key_ffffffffffffffff', 'x', 'y')).toBe(false);
    });

    it('lists newest first, by tenant or across tenants, each key exactly once across pages', async () => {
      const sameTime = new Date('2026-11-21T11:00:00.000Z');
      const records = [
        apiKeyRecord({ createdAt: new Date('2026-11-21T09:00:00.000Z') }),
        apiKeyRecord({ createdAt: sameTime }),
        apiKeyRecord({ createdAt: sameTime }),
        apiKeyRecord({ createdAt: sameTime, tenantId: 'tenant-b' }),
        apiKeyRecord({ createdAt: new Date('2026-11-21T12:00:00.000Z') }),
      ];
      for (const record of records) await store.insert(record);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const result = await store.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...result.items.map((item) => item.id));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(records.length);
      expect(new Set(seen).size).toBe(records.length);
      expect(seen[0]).toBe(records[4]?.id);
      expect(seen.at(-1)).toBe(records[0]?.id);
      const tenantB = await store.list({ tenantId: 'tenant-b', limit: 10 });
      expect(tenantB.items.map((item) => item.id)).toEqual([records[3]?.id]);
      expect(tenantB.nextCursor).toBeNull();
    });

    it('rejects a cursor it did not issue with AUTH_KEY_LIST_CURSOR_INVALID', async () => {
      await expect(store.list({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'AUTH_KEY_LIST_CURSOR_INVALID',
      );
    });
  });
}
