import type { PiiSpan } from './pii-detector.ts';

/** A redacted text and, for reversible redaction, what each placeholder stood for. */
export interface Redaction {
  readonly text: string;
  /** Placeholder (`[EMAIL_1]`) -> original text. The same value always gets the same placeholder. */
  readonly placeholders: ReadonlyMap<string, string>;
}

/** Replaces each span with a numbered placeholder of its type: `[PAYMENT_CARD_1]`. */
export function redact(text: string, spans: readonly PiiSpan[]): Redaction {
  const placeholders = new Map<string, string>();
  const byValue = new Map<string, string>();
  const counters = new Map<string, number>();
  let output = '';
  let position = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < position) continue;
    const key = `${span.type}\u0000${span.text}`;
    let placeholder = byValue.get(key);
    if (placeholder === undefined) {
      const number = (counters.get(span.type) ?? 0) + 1;
      counters.set(span.type, number);
      placeholder = `[${span.type.toUpperCase()}_${number}]`;
      byValue.set(key, placeholder);
      placeholders.set(placeholder, span.text);
    }
    output += text.slice(position, span.start) + placeholder;
    position = span.end;
  }
  return { text: output + text.slice(position), placeholders };
}

/** Puts the originals back where a model's answer repeats the placeholders (reversible redaction). */
export function restore(text: string, placeholders: ReadonlyMap<string, string>): string {
  if (placeholders.size === 0) return text;
  return text.replace(/\[[A-Z_]+_\d+\]/g, (placeholder) => placeholders.get(placeholder) ?? placeholder);
}
