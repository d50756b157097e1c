import type { KeyLimits } from '../limits/index.ts';

/** Who is calling, once authenticated. */
export interface Principal {
  /** `api-key`: a stored key; `admin-key`: KEEL_ADMIN_KEY; `open`: no key needed (loopback, no admin key set). */
  readonly kind: 'api-key' | 'admin-key' | 'open';
  /** Public key id (`key_...`), `admin` for the bootstrap key, undefined when auth is open. */
  readonly keyId: string | undefined;
  /** What limits count against: the key id, `admin`, or `local`. */
  readonly subject: string;
  readonly tenantId: string;
  readonly scopes: readonly string[];
  /** The key's limits over the deployment's defaults. */
  readonly limits: KeyLimits;
}

export const ADMIN_KEY_ID = 'admin';
export const OPEN_SUBJECT = 'local';
