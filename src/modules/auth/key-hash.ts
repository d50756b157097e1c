import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Hashes of API key secrets. A key's secret is 256 random bits, so a stolen hash cannot be reversed by
 * guessing whatever the hash costs: one SHA-256 is as safe as scrypt here, and a wrong guess costs
 * microseconds instead of ~40 ms of scrypt (decision 0131). scrypt stays readable for hashes stored before;
 * a key's scrypt hash is verified the old way once and then replaced (see ApiKeyService).
 */

const SHA256_SCHEME = 'sha256';
const SCRYPT_SCHEME = 'scrypt';
/** Keeps these digests apart from any other SHA-256 of the same bytes. */
const DOMAIN = 'keel-api-key-secret:v1:';

/** scrypt cost of the old hashes: 2^14 x 8 x 1 takes ~40 ms and 16 MiB per hash. */
const SCRYPT_PARAMETERS = { N: 16_384, r: 8, p: 1 } as const;
const SCRYPT_KEY_LENGTH = 32;

function sha256(secret: string): Buffer {
  return createHash('sha256').update(DOMAIN).update(secret).digest();
}

/** `sha256$<digest>` (base64url) of a high-entropy secret. */
export function hashSecret(secret: string): string {
  return `${SHA256_SCHEME}$${sha256(secret).toString('base64url')}`;
}

/** A well-formed hash no secret matches: unknown key ids are checked against it, so they cost the same. */
export const UNMATCHABLE_HASH = `${SHA256_SCHEME}$${randomBytes(32).toString('base64url')}`;

/** Whether a stored hash is of the old, slow kind (to be replaced after its next successful check). */
export function isLegacyHash(stored: string): boolean {
  return stored.startsWith(`${SCRYPT_SCHEME}$`);
}

/**
 * Constant-time check of a secret against a stored hash; a malformed hash never matches. SHA-256 hashes
 * (every key made now) cost one digest; old scrypt hashes cost a scrypt.
 */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme] = stored.split('$', 1);
  if (scheme === SHA256_SCHEME) return equalDigest(sha256(secret), stored.slice(SHA256_SCHEME.length + 1));
  if (scheme === SCRYPT_SCHEME) return verifyScrypt(secret, stored);
  // Same work as a real check, so a damaged row is no faster to probe than a wrong secret.
  equalDigest(sha256(secret), UNMATCHABLE_HASH.slice(SHA256_SCHEME.length + 1));
  return false;
}

function equalDigest(actual: Buffer, encoded: string): boolean {
  const expected = Buffer.from(encoded, 'base64url');
  // Compare equal lengths always (timingSafeEqual throws otherwise); a short hash still fails.
  const padded = Buffer.alloc(actual.length);
  expected.copy(padded, 0, 0, actual.length);
  return timingSafeEqual(actual, padded) && expected.length === actual.length;
}

function deriveScrypt(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, SCRYPT_KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<salt>$<hash>`, the format of keys made before decision 0131 (and of their tests). */
export async function hashSecretWithScrypt(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await deriveScrypt(secret, salt, SCRYPT_PARAMETERS);
  return [
    SCRYPT_SCHEME,
    SCRYPT_PARAMETERS.N,
    SCRYPT_PARAMETERS.r,
    SCRYPT_PARAMETERS.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

async function verifyScrypt(secret: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, hash] = stored.split('$');
  if (!n || !r || !p || !salt || !hash) return false;
  const parameters = { N: Number(n), r: Number(r), p: Number(p) };
  // Never let a stored row choose a ruinous cost.
  if (!(parameters.N <= SCRYPT_PARAMETERS.N && parameters.r <= 8 && parameters.p <= 1)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await deriveScrypt(secret, Buffer.from(salt, 'base64url'), parameters);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
