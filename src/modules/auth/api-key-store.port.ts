import type { ApiKeyRecord } from './api-key.ts';

export interface ApiKeyListQuery {
  /** Only keys of this tenant; all tenants when undefined (keys are an operator's concern). */
  readonly tenantId?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface ApiKeyPage {
  readonly items: readonly ApiKeyRecord[];
  readonly nextCursor: string | null;
}

/** Storage port of API keys. Lookups are by public id; the secret is only ever stored hashed. */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Newest first. */
  list(query: ApiKeyListQuery): Promise<ApiKeyPage>;
  /** Sets `revokedAt` unless already set; returns the key as it now is, undefined when unknown. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /** Records that the key was used at `at` (never moves backwards). */
  touch(id: string, at: Date): Promise<void>;
  /**
   * Replaces the secret's hash only while it still is `expected` (a migration to a newer hash scheme; two
   * processes migrating at once both succeed, harmlessly). Returns whether it replaced it.
   */
  replaceSecretHash(id: string, expected: string, replacement: string): Promise<boolean>;
}
