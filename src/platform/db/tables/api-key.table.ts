import type { JSONColumnType } from 'kysely';
import type { CreatedAt, NullableTimestamp } from './column-types.ts';

/** Owned by the auth module (0004, webhook in 0009, guardrails in 0013). The secret exists only as `secret_hash` (scrypt). */
export interface ApiKeyTable {
  id: string;
  name: string;
  tenant_id: string;
  scopes: JSONColumnType<string[]>;
  secret_hash: string;
  limits: JSONColumnType<object>;
  created_at: CreatedAt;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  webhook_url: string | null;
  webhook_secret: string | null;
  /** 0013: names of the guardrail policies the key adds. */
  guardrails: JSONColumnType<string[], string | undefined>;
}
