import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailStage,
} from '../define-guardrail.ts';

export interface MaxLengthGuardrailOptions {
  readonly name?: string;
  /** Characters of one text (in a stream: of the whole output so far). */
  readonly maxCharacters: number;
  readonly stages?: readonly GuardrailStage[];
}

/** Blocks a text longer than `maxCharacters`; a stream is cut as it passes the limit. */
export function maxLengthGuardrail(options: MaxLengthGuardrailOptions): Guardrail {
  const limit = options.maxCharacters;
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError('maxCharacters must be a positive integer');
  return defineGuardrail({
    name: options.name ?? 'max-length',
    description: `At most ${limit} characters.`,
    stages: options.stages ?? ['output'],
    action: 'block',
    window: 1,
    check: (text, context) => {
      const offset = context.offset ?? 0;
      return offset + text.length > limit
        ? // The first character past the limit: a stream is cut there, not after the text that follows.
          [{ kind: 'length', start: Math.max(0, limit - offset), end: Math.max(0, limit - offset) + 1 }]
        : [];
    },
  });
}

export interface PatternGuardrailOptions {
  readonly name: string;
  /** Regular expressions (the `g` flag is added); a match is a finding of kind `kind`. */
  readonly patterns: readonly RegExp[];
  readonly kind?: string;
  readonly stages?: readonly GuardrailStage[];
  readonly action?: GuardrailAction;
  /** Streams: the longest match, in characters (default 128). */
  readonly window?: number;
}

/** Findings where any of the patterns match. */
export function patternGuardrail(options: PatternGuardrailOptions): Guardrail {
  const patterns = options.patterns.map(
    (pattern) =>
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
  );
  const kind = options.kind ?? 'pattern';
  return defineGuardrail({
    name: options.name,
    stages: options.stages ?? ['output'],
    action: options.action ?? 'block',
    window: options.window ?? 128,
    check: (text) => {
      const found: Array<{ kind: string; start: number; end: number }> = [];
      for (const pattern of patterns) {
        pattern.lastIndex = 0;
        for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
          if (match[0].length === 0) {
            pattern.lastIndex++;
            continue;
          }
          found.push({ kind, start: match.index, end: match.index + match[0].length });
        }
      }
      return found;
    },
  });
}

export interface BlocklistGuardrailOptions {
  readonly name: string;
  /** Words or phrases, matched whole and case-insensitively. */
  readonly terms: readonly string[];
  readonly stages?: readonly GuardrailStage[];
  readonly action?: GuardrailAction;
}

const escapeTerm = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');

/** Findings where a listed term appears as a whole word or phrase. */
export function blocklistGuardrail(options: BlocklistGuardrailOptions): Guardrail {
  if (options.terms.length === 0) throw new TypeError(`blocklist ${options.name} needs at least one term`);
  const longest = Math.max(...options.terms.map((term) => term.length));
  return patternGuardrail({
    name: options.name,
    kind: 'blocked_term',
    patterns: [
      new RegExp(
        `(?<![\\p{L}\\p{N}_])(?:${options.terms.map(escapeTerm).join('|')})(?![\\p{L}\\p{N}_])`,
        'giu',
      ),
    ],
    ...(options.stages ? { stages: options.stages } : {}),
    ...(options.action ? { action: options.action } : {}),
    // A stream holds back a little more than the longest term, so the term is whole when checked.
    window: longest * 2 + 8,
  });
}
