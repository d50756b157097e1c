import { createHash, timingSafeEqual } from 'node:crypto';
import { isConnectionError } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import { type KeyLimits, mergeLimits } from '../limits/index.ts';
import {
  type ApiKeyRecord,
  type ApiKeyView,
  claimsKeelKey,
  generateToken,
  type KeyWebhook,
  parseToken,
  viewOf,
} from './api-key.ts';
import type { ApiKeyListQuery, ApiKeyStore } from './api-key-store.port.ts';
import { authErrors } from './auth.errors.ts';
import { hashSecret, isLegacyHash, UNMATCHABLE_HASH, verifySecret } from './key-hash.ts';
import { ADMIN_KEY_ID, OPEN_SUBJECT, type Principal } from './principal.ts';
import { ADMIN_SCOPE } from './scopes.ts';

export interface ApiKeyServiceOptions {
  readonly store: ApiKeyStore;
  readonly clock: { now(): Date };
  /** KEEL_ADMIN_KEY. Unset means auth is open: requests without a key act as the local administrator. */
  readonly adminKey: string | undefined;
  /** The tenant of the admin key and of open (keyless) requests. */
  readonly defaultTenantId: string;
  /** Limits applied to every subject, under each key's own. */
  readonly defaultLimits?: KeyLimits;
  /** How long a key's stored record is trusted before it is read again (revocations made by other processes show within it). */
  readonly recordTtlMs?: number;
  /**
   * While the key store is unreachable (a database outage), a key whose record was read within this long
   * keeps authenticating from that record, so routes that need no database keep serving; older ones get
   * the store's 503. Revocations made during the outage show once the store answers again.
   */
  readonly outageGraceMs?: number;
  /** How often a key's `lastUsedAt` is written at most. */
  readonly touchIntervalMs?: number;
  readonly onBackgroundError?: (error: unknown, what: string) => void;
}

export interface CreateKeyInput {
  readonly name: string;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: Date | null;
  readonly limits?: KeyLimits;
  /** The default webhook of jobs created with this key (a job's own webhook wins). */
  readonly webhook?: KeyWebhook | null;
  /** Guardrail policies (names) the key adds to its capabilities' own. */
  readonly guardrails?: readonly string[];
}

/** Bounded map that forgets its oldest entries first. */
class BoundedMap<V> extends Map<string, V> {
  readonly #capacity: number;
  constructor(capacity: number) {
    super();
    this.#capacity = capacity;
  }
  override set(key: string, value: V): this {
    if (!this.has(key) && this.size >= this.#capacity) {
      const oldest = this.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    return super.set(key, value);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * API keys: creation (shown once), listing, revocation, and authentication of a presented bearer token.
 *
 * Secrets are 256 random bits, stored as a SHA-256 digest (decision 0131): a check costs one digest and
 * one constant-time compare, whether the key id exists or not (unknown ids are compared against a hash no
 * secret matches), so failures are cheap and say nothing about which ids exist. Keys stored with scrypt
 * before are checked the old way once, then rehashed. The key's record (revocation, expiry, scopes) is
 * re-read every `recordTtlMs`, and an id's absence is remembered as long.
 */
export class ApiKeyService {
  readonly #options: ApiKeyServiceOptions;
  readonly #adminDigest: Buffer | undefined;
  readonly #defaults: KeyLimits;
  readonly #recordTtlMs: number;
  readonly #outageGraceMs: number;
  readonly #touchIntervalMs: number;
  readonly #verified = new BoundedMap<string>(10_000);
  readonly #rejected = new BoundedMap<number>(10_000);
  readonly #records = new BoundedMap<{ record: ApiKeyRecord | undefined; fetchedAt: number }>(10_000);
  readonly #touched = new BoundedMap<number>(10_000);

  constructor(options: ApiKeyServiceOptions) {
    this.#options = options;
    this.#adminDigest = options.adminKey === undefined ? undefined : digest(options.adminKey);
    this.#defaults = options.defaultLimits ?? {};
    this.#recordTtlMs = options.recordTtlMs ?? 5_000;
    this.#outageGraceMs = options.outageGraceMs ?? 10 * 60_000;
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  /** True when requests without a key are accepted (no KEEL_ADMIN_KEY). */
  get open(): boolean {
    return this.#adminDigest === undefined;
  }

  async create(input: CreateKeyInput): Promise<{ key: ApiKeyView; token: string }> {
    const { id, secret, token } = generateToken();
    const record: ApiKeyRecord = {
      id,
      name: input.name,
      tenantId: input.tenantId,
      scopes: [...new Set(input.scopes)],
      secretHash: hashSecret(secret),
      limits: input.limits ?? {},
      createdAt: this.#options.clock.now(),
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      webhook: input.webhook ?? null,
      ...(input.guardrails && input.guardrails.length > 0
        ? { guardrails: [...new Set(input.guardrails)] }
        : {}),
    };
    await this.#options.store.insert(record);
    this.#records.delete(id);
    return { key: viewOf(record), token };
  }

  /**
   * The key's default job webhook, secret included (for signing, server-side only); null when it has none
   * or is unknown. Read through the same short-lived record cache as authentication.
   */
  async webhookOf(id: string): Promise<KeyWebhook | null> {
    return (await this.#record(id))?.webhook ?? null;
  }

  async get(id: string): Promise<ApiKeyView | undefined> {
    const record = await this.#options.store.get(id);
    return record ? viewOf(record) : undefined;
  }

  async list(query: ApiKeyListQuery): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
    const page = await this.#options.store.list(query);
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  /** Revokes a key (idempotent); this process stops accepting it at once, others within `recordTtlMs`. */
  async revoke(id: string): Promise<ApiKeyView> {
    const record = await this.#options.store.revoke(id, this.#options.clock.now());
    if (!record) throw new AppError(authErrors.AUTH_KEY_NOT_FOUND, { detail: `No API key ${id}.` });
    this.#records.set(id, { record, fetchedAt: Date.now() });
    return viewOf(record);
  }

  /** The guardrail policies a key adds (through the same short-lived record cache as authentication). */
  async guardrailsFor(id: string): Promise<readonly string[]> {
    if (id === ADMIN_KEY_ID || id === OPEN_SUBJECT) return [];
    return (await this.#record(id))?.guardrails ?? [];
  }

  /** The limits a subject is held to; jobs and model-call middlewares ask by subject. */
  async limitsFor(subject: string): Promise<KeyLimits> {
    if (subject === ADMIN_KEY_ID || subject === OPEN_SUBJECT) return this.#defaults;
    const record = await this.#record(subject);
    return mergeLimits(this.#defaults, record?.limits);
  }

  /**
   * Who presents `token` (the bearer token, or undefined when none was sent). Throws a 401 AppError. In
   * open mode a bearer without Keel's key prefix counts as no key (decision 0152).
   */
  async authenticate(presentedToken: string | undefined): Promise<Principal> {
    const { defaultTenantId } = this.#options;
    const token =
      presentedToken !== undefined && this.#adminDigest === undefined && !claimsKeelKey(presentedToken)
        ? undefined
        : presentedToken;
    if (token === undefined) {
      if (this.#adminDigest !== undefined) {
        throw new AppError(authErrors.AUTH_REQUIRED, { headers: { 'www-authenticate': 'Bearer' } });
      }
      return {
        kind: 'open',
        keyId: undefined,
        subject: OPEN_SUBJECT,
        tenantId: defaultTenantId,
        scopes: [ADMIN_SCOPE],
        limits: this.#defaults,
      };
    }
    const presented = digest(token);
    if (this.#adminDigest !== undefined && timingSafeEqual(presented, this.#adminDigest)) {
      return {
        kind: 'admin-key',
        keyId: ADMIN_KEY_ID,
        subject: ADMIN_KEY_ID,
        tenantId: defaultTenantId,
        scopes: [ADMIN_SCOPE],
        limits: this.#defaults,
      };
    }
    const record = await this.#verify(token, presented.toString('hex'));
    const now = this.#options.clock.now();
    if (record.revokedAt !== null)
      throw invalid(authErrors.AUTH_KEY_REVOKED, `Key ${record.id} was revoked.`);
    if (record.expiresAt !== null && record.expiresAt <= now) {
      throw invalid(
        authErrors.AUTH_KEY_EXPIRED,
        `Key ${record.id} expired at ${record.expiresAt.toISOString()}.`,
      );
    }
    this.#touch(record.id, now);
    return {
      kind: 'api-key',
      keyId: record.id,
      subject: record.id,
      tenantId: record.tenantId,
      scopes: record.scopes,
      limits: mergeLimits(this.#defaults, record.limits),
    };
  }

  async #verify(token: string, tokenDigest: string): Promise<ApiKeyRecord> {
    const knownId = this.#verified.get(tokenDigest);
    if (knownId !== undefined) {
      const record = await this.#record(knownId);
      if (record) return record;
    }
    const rejectedUntil = this.#rejected.get(tokenDigest);
    if (rejectedUntil !== undefined && rejectedUntil > Date.now()) throw invalid(authErrors.AUTH_INVALID);
    const parsed = parseToken(token);
    if (!parsed) throw invalid(authErrors.AUTH_INVALID);
    const record = await this.#record(parsed.id);
    // An unknown id takes the same path as a wrong secret: the same digest and compare, the same answer.
    const stored = record?.secretHash ?? UNMATCHABLE_HASH;
    const matches = await verifySecret(parsed.secret, stored);
    if (record === undefined || !matches) {
      this.#rejected.set(tokenDigest, Date.now() + 60_000);
      throw invalid(authErrors.AUTH_INVALID);
    }
    if (isLegacyHash(stored)) await this.#rehash(record, parsed.secret);
    this.#verified.set(tokenDigest, record.id);
    return record;
  }

  /** Replaces a key's old scrypt hash after its secret was checked against it (once per key). */
  async #rehash(record: ApiKeyRecord, secret: string): Promise<void> {
    const replacement = hashSecret(secret);
    try {
      await this.#options.store.replaceSecretHash(record.id, record.secretHash, replacement);
      this.#records.set(record.id, { record: { ...record, secretHash: replacement }, fetchedAt: Date.now() });
    } catch (error) {
      // The key stays usable with its old hash; the next successful check tries again.
      this.#options.onBackgroundError?.(error, 'key hash upgrade');
    }
  }

  async #record(id: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.#records.get(id);
    if (cached && Date.now() - cached.fetchedAt < this.#recordTtlMs) return cached.record;
    let record: ApiKeyRecord | undefined;
    try {
      record = await this.#options.store.get(id);
    } catch (error) {
      if (cached && isConnectionError(error) && Date.now() - cached.fetchedAt < this.#outageGraceMs)
        return cached.record;
      throw error;
    }
    // Absent ids are remembered too, so probing unknown ids costs no more database reads than real ones.
    this.#records.set(id, { record, fetchedAt: Date.now() });
    return record;
  }

  #touch(id: string, now: Date): void {
    const last = this.#touched.get(id);
    if (last !== undefined && now.getTime() - last < this.#touchIntervalMs) return;
    this.#touched.set(id, now.getTime());
    this.#options.store
      .touch(id, now)
      .catch((error: unknown) => this.#options.onBackgroundError?.(error, 'key last-used update'));
  }
}

function invalid(definition: (typeof authErrors)[keyof typeof authErrors], detail?: string): AppError {
  return new AppError(definition, {
    ...(detail === undefined ? {} : { detail }),
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
}
