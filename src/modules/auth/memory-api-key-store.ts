import { pageOf } from '../../platform/pagination/index.ts';
import { decodeKeyCursor, encodeKeyCursor, isAfter } from './api-key.cursor.ts';
import type { ApiKeyRecord } from './api-key.ts';
import type { ApiKeyListQuery, ApiKeyPage, ApiKeyStore } from './api-key-store.port.ts';

/** In-memory adapter for tests and as the reference behaviour of the contract suite. */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly #keys = new Map<string, ApiKeyRecord>();

  async insert(record: ApiKeyRecord): Promise<void> {
    if (this.#keys.has(record.id)) throw new Error(`API key ${record.id} already exists`);
    this.#keys.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const record = this.#keys.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async list(query: ApiKeyListQuery): Promise<ApiKeyPage> {
    const after = query.cursor ? decodeKeyCursor(query.cursor) : undefined;
    const rows = [...this.#keys.values()]
      .filter((record) => query.tenantId === undefined || record.tenantId === query.tenantId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .filter((record) => !after || isAfter(record, after));
    return pageOf(rows, query.limit, (record) => structuredClone(record), encodeKeyCursor);
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const record = this.#keys.get(id);
    if (!record) return undefined;
    const revoked = record.revokedAt ? record : { ...record, revokedAt: at };
    this.#keys.set(id, revoked);
    return structuredClone(revoked);
  }

  async replaceSecretHash(id: string, expected: string, replacement: string): Promise<boolean> {
    const record = this.#keys.get(id);
    if (!record || record.secretHash !== expected) return false;
    this.#keys.set(id, { ...record, secretHash: replacement });
    return true;
  }

  async touch(id: string, at: Date): Promise<void> {
    const record = this.#keys.get(id);
    if (record && (record.lastUsedAt === null || record.lastUsedAt < at)) {
      this.#keys.set(id, { ...record, lastUsedAt: at });
    }
  }
}
