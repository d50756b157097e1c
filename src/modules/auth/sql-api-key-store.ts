import { type Kysely, type Selectable, sql } from 'kysely';
import { type ApiKeyTable, jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import type { KeyLimits } from '../limits/index.ts';
import { decodeKeyCursor, encodeKeyCursor } from './api-key.cursor.ts';
import type { ApiKeyRecord } from './api-key.ts';
import type { ApiKeyListQuery, ApiKeyPage, ApiKeyStore } from './api-key-store.port.ts';

/** API keys in PostgreSQL or PGlite (same SQL for both). */
export class SqlApiKeyStore implements ApiKeyStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.#db
      .insertInto('api_key')
      .values({
        id: record.id,
        name: record.name,
        tenant_id: record.tenantId,
        scopes: jsonParameter(record.scopes),
        secret_hash: record.secretHash,
        limits: jsonParameter(record.limits),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        revoked_at: record.revokedAt,
        last_used_at: record.lastUsedAt,
        webhook_url: record.webhook?.url ?? null,
        webhook_secret: record.webhook?.secret ?? null,
        guardrails: jsonParameter(record.guardrails ?? []),
      })
      .execute();
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('api_key').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(query: ApiKeyListQuery): Promise<ApiKeyPage> {
    let statement = this.#db.selectFrom('api_key').selectAll();
    if (query.tenantId !== undefined) statement = statement.where('tenant_id', '=', query.tenantId);
    if (query.cursor) {
      const after = decodeKeyCursor(query.cursor);
      statement = statement.where(
        sql<boolean>`(created_at, id) < (${after.createdAt}::timestamptz, ${after.id})`,
      );
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows, query.limit, toRecord, (last) => encodeKeyCursor(toRecord(last)));
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    await this.#db
      .updateTable('api_key')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return this.get(id);
  }

  async replaceSecretHash(id: string, expected: string, replacement: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_key')
      .set({ secret_hash: replacement })
      .where('id', '=', id)
      .where('secret_hash', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('api_key')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((where) => where.or([where('last_used_at', 'is', null), where('last_used_at', '<', at)]))
      .execute();
  }
}

function toRecord(row: Selectable<ApiKeyTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    tenantId: row.tenant_id,
    scopes: row.scopes,
    secretHash: row.secret_hash,
    limits: row.limits as KeyLimits,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    webhook:
      row.webhook_url === null || row.webhook_secret === null
        ? null
        : { url: row.webhook_url, secret: row.webhook_secret },
    ...(row.guardrails.length > 0 ? { guardrails: row.guardrails } : {}),
  };
}
