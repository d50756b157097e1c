/** A span to replace: its kind names the placeholder (`email` -> `[EMAIL_1]`). */
export interface RedactableSpan {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** A redacted text and, for reversible redaction, what each placeholder stood for. */
export interface Redaction {
  readonly text: string;
  /** Placeholder (`[EMAIL_1]`) -> original text. The same value always gets the same placeholder. */
  readonly placeholders: ReadonlyMap<string, string>;
}

/** Replaces each span with a numbered placeholder of its type: `[PAYMENT_CARD_1]`. */
export function redact(
  text: string,
  spans: readonly RedactableSpan[],
  existing?: Map<string, string>,
): Redaction {
  // `existing` carries the placeholders of a call across its texts: the same value keeps its placeholder.
  const placeholders = existing ?? new Map<string, string>();
  const byValue = new Map<string, string>();
  const counters = new Map<string, number>();
  for (const [placeholder, original] of placeholders) {
    const match = /^\[([A-Z0-9_]+)_(\d+)\]$/.exec(placeholder);
    if (!match?.[1]) continue;
    const type = match[1].toLowerCase();
    byValue.set(`${type}\u0000${original}`, placeholder);
    counters.set(type, Math.max(counters.get(type) ?? 0, Number(match[2])));
  }
  let output = '';
  let position = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < position) continue;
    const type = span.type.toLowerCase().replace(/[^a-z0-9]+/g, '_');
    const key = `${type}\u0000${span.text}`;
    let placeholder = byValue.get(key);
    if (placeholder === undefined) {
      const number = (counters.get(type) ?? 0) + 1;
      counters.set(type, number);
      placeholder = `[${type.toUpperCase()}_${number}]`;
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
  return text.replace(PLACEHOLDER_PATTERN, (placeholder) => placeholders.get(placeholder) ?? placeholder);
}

/** A placeholder as `redact` writes them. */
export const PLACEHOLDER_PATTERN = /\[[A-Z][A-Z0-9_]*_\d+\]/g;
