import { randomBytes } from 'node:crypto';
import type { KeyLimits } from '../limits/index.ts';

/** An API key as stored: everything but the secret, which only exists as a scrypt hash. */
export interface ApiKeyRecord {
  /** Public id, safe to show and log: `key_` followed by 16 hex digits. */
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly secretHash: string;
  readonly limits: KeyLimits;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  /** Where jobs created with this key are reported when they bring no webhook of their own. */
  readonly webhook: KeyWebhook | null;
  /** Guardrail policies (names) this key adds to every call it makes; it can never remove a capability's. */
  readonly guardrails?: readonly string[];
}

/** A key's default job webhook: the secret signs deliveries and is never shown again. */
export interface KeyWebhook {
  readonly url: string;
  readonly secret: string;
}

/** What admins see of a key: the record without its hash or its webhook secret. */
export type ApiKeyView = Omit<ApiKeyRecord, 'secretHash' | 'webhook'> & {
  readonly webhook: { readonly url: string } | null;
};

export function viewOf(record: ApiKeyRecord): ApiKeyView {
  const { secretHash: _secretHash, webhook, ...view } = record;
  return { ...view, webhook: webhook === null ? null : { url: webhook.url } };
}

const TOKEN_PREFIX = 'keel_';
const ID_PREFIX = 'key_';
const TOKEN_PATTERN = /^keel_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const KEY_ID_PATTERN = /^key_[0-9a-f]{16}$/;

/**
 * Matches Keel tokens anywhere in a string, so redaction can find one pasted into a prompt or an error.
 * Kept in step with TOKEN_PATTERN.
 */
export const TOKEN_SEARCH_PATTERN = /keel_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g;

export interface NewToken {
  readonly id: string;
  readonly secret: string;
  /** `keel_<16 hex>_<43 base64url>`: the public id is inside, so lookup needs no scan. */
  readonly token: string;
}

/** A fresh key: 64 random bits of public id and 256 random bits of secret. */
export function generateToken(): NewToken {
  const idPart = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id: `${ID_PREFIX}${idPart}`, secret, token: `${TOKEN_PREFIX}${idPart}_${secret}` };
}

/**
 * Whether a presented bearer claims to be a Keel key (the prefix every key Keel makes carries). In open
 * mode a bearer that does not is another client's placeholder (the OpenAI SDK's required `apiKey`) and is
 * ignored (decision 0152); one that does is checked, so a mistyped real key fails loudly.
 */
export function claimsKeelKey(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX);
}

/** Splits a presented token into public id and secret; undefined when it is not shaped like a Keel key. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  return { id: `${ID_PREFIX}${match[1]}`, secret: match[2] };
}
