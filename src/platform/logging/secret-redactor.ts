/**
 * Finds secrets in text and values and replaces them with `[redacted]`: Keel API keys, provider keys
 * shaped like `sk-...`, bearer credentials, and every secret value the process was configured with
 * (KEEL_ADMIN_KEY, provider keys). The logger runs it over each finished line, so no call site can
 * forget it; the request log runs it over stored bodies and the error renderer over problem documents.
 */
export const REDACTED = '[redacted]';

const PATTERNS: readonly RegExp[] = [
  /keel_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
];

/** Member names whose values are secrets whatever they look like. */
const SECRET_NAMES =
  /^(authorization|proxy-authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret|password|passwd|admin[-_]?key|token)$/i;

/** Secrets shorter than this are not searched for as text: they would blank ordinary words. */
const MINIMUM_SECRET_LENGTH = 8;

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class SecretRedactor {
  readonly #secrets = new Set<string>();
  #known: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret value (and its JSON-escaped form, as it appears inside a log line). */
  add(secret: string | undefined): void {
    if (secret === undefined || secret.length < MINIMUM_SECRET_LENGTH || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    const forms = new Set<string>();
    for (const value of this.#secrets) {
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
    }
    // Longest first, so a secret containing another is replaced whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeForRegExp);
    this.#known = new RegExp(alternatives.join('|'), 'g');
  }

  redactText(text: string): string {
    let result = text;
    if (this.#known) result = result.replace(this.#known, REDACTED);
    for (const pattern of PATTERNS) result = result.replace(pattern, REDACTED);
    return result;
  }

  /** A copy of a JSON-like value with secret strings and secret-named members redacted. */
  redactValue<T>(value: T): T {
    return this.#walk(value, 0) as T;
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object' || depth > 32) return value;
    if (Array.isArray(value)) return value.map((item) => this.#walk(item, depth + 1));
    if (value instanceof Date) return value;
    const copy: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      copy[this.redactText(name)] =
        SECRET_NAMES.test(name) && member !== null && member !== undefined && member !== ''
          ? REDACTED
          : this.#walk(member, depth + 1);
    }
    return copy;
  }
}

/** The process's redactor: composition roots register configured secrets on it at start. */
export const secretRedactor = new SecretRedactor();
