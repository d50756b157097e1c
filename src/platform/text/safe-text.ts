/**
 * Text Keel can store (decision 0125). PostgreSQL's `text` refuses U+0000; `jsonb` refuses the `\u0000`
 * escape and escapes of lone surrogates (JSON.stringify writes both). One rule for every column: NUL is
 * removed, a lone surrogate becomes U+FFFD (what a UTF-8 encoder writes for it anyway).
 */
export function safeText(value: string): string {
  if (value.isWellFormed() && !value.includes('\u0000')) return value;
  return value.toWellFormed().replaceAll('\u0000', '');
}

/** Whether a string needs `safeText` (holds U+0000 or a lone surrogate). */
export function isUnsafeText(value: string): boolean {
  return !value.isWellFormed() || value.includes('\u0000');
}

/**
 * A JSON-shaped value with every string (keys included) made safe. Returns the same value when nothing
 * needed it, so the common case costs one walk and no copy. Non-plain objects (Date, Buffer) are kept.
 */
export function safeJson<T>(value: T): T {
  return safeValue(value, 0) as T;
}

// Deeper than any JSON body the HTTP layer accepts; past it a value is left as it is.
const MAX_DEPTH = 256;

function safeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return safeText(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const safe = safeValue(item, depth + 1);
      if (safe !== item) {
        copy ??= [...value];
        copy[index] = safe;
      }
    }
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  const entries = Object.entries(value);
  for (const [key, item] of entries) {
    const safe = safeValue(item, depth + 1);
    if (safe !== item || isUnsafeText(key)) {
      copy = {};
      break;
    }
  }
  if (copy === undefined) return value;
  for (const [key, item] of entries) copy[safeText(key)] = safeValue(item, depth + 1);
  return copy;
}
