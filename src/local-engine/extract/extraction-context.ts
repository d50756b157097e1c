/** What the field extractors share for one text: its labelled pairs, claimed candidates and mentions. */
import type { Embedder } from '../embedding/local-embedder.ts';
import { type FieldTerms, labelMatch } from './field-words.ts';
import type { LabelledValue } from './labelled-values.ts';
import type { Found } from './patterns.ts';

export interface Context {
  readonly text: string;
  readonly pairs: readonly LabelledValue[];
  readonly claimed: Set<string>;
  readonly embedder: Embedder | undefined;
  readonly signal: AbortSignal | undefined;
  usedEmbeddings: boolean;
}

export type Extracted = { readonly value: unknown } | undefined;

export const MONEY_WORDS = new Set([
  'total',
  'amount',
  'price',
  'cost',
  'subtotal',
  'tax',
  'fee',
  'balance',
  'salary',
  'budget',
  'revenue',
  'payment',
  'paid',
  'charge',
  'rent',
  'income',
  'wage',
  'value',
  'spend',
  'deposit',
  'vat',
]);
export const PERCENT_WORDS = new Set([
  'percent',
  'percentage',
  'rate',
  'discount',
  'share',
  'ratio',
  'growth',
  'margin',
  'pct',
  'probability',
  'confidence',
]);
export const PHONE_WORDS = new Set(['phone', 'tel', 'telephone', 'mobile', 'cell', 'fax']);
export const COMPANY_WORDS = new Set([
  'company',
  'organization',
  'organisation',
  'vendor',
  'employer',
  'supplier',
  'business',
  'firm',
  'merchant',
  'seller',
  'issuer',
]);
export const PERSON_WORDS = new Set([
  'name',
  'person',
  'contact',
  'author',
  'sender',
  'recipient',
  'manager',
  'owner',
  'assignee',
  'reporter',
  'candidate',
]);
export const NEGATION =
  /\b(?:not|no|never|without|isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|cannot|can't|non)\b[^.!?]{0,25}$/iu;

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where the field's name or synonyms are mentioned in the text. */
export function mentions(context: Context, terms: FieldTerms): number[] {
  const positions: number[] = [];
  for (const phrase of terms.phrases) {
    if (phrase.length < 2) continue;
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{N}])${escapeRegExp(phrase).replace(/ /g, '[\\s_-]+')}s?(?![\\p{L}\\p{N}])`,
      'giu',
    );
    for (const match of context.text.matchAll(pattern)) positions.push(match.index);
  }
  return positions.sort((left, right) => left - right);
}

/** The candidate closest after a mention (within 80 characters), else just before one (within 25). */
export function nearMention<T>(
  candidates: readonly Found<T>[],
  positions: readonly number[],
): Found<T> | undefined {
  let best: Found<T> | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const position of positions) {
    for (const candidate of candidates) {
      const after = candidate.index - position;
      const distance =
        after >= 0
          ? after <= 80
            ? after
            : Number.POSITIVE_INFINITY
          : -after <= 25
            ? -after * 2
            : Number.POSITIVE_INFINITY;
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
  }
  return best;
}

function claimKey(kind: string, found: Found<unknown>): string {
  return `${kind}@${found.index}`;
}

/** A mention-near candidate, else the first one no other field has taken. */
export function pick<T>(
  context: Context,
  kind: string,
  candidates: readonly Found<T>[],
  terms: FieldTerms,
  fallback: boolean,
): Found<T> | undefined {
  const near = nearMention(candidates, mentions(context, terms));
  const chosen =
    near ??
    (fallback ? candidates.find((candidate) => !context.claimed.has(claimKey(kind, candidate))) : undefined);
  if (chosen !== undefined) context.claimed.add(claimKey(kind, chosen));
  return chosen;
}

export function bestLabel(context: Context, terms: FieldTerms): LabelledValue | undefined {
  let best: LabelledValue | undefined;
  let bestScore = 0.5;
  for (const pair of context.pairs) {
    const score = labelMatch(pair.label, terms);
    if (score > bestScore) {
      best = pair;
      bestScore = score;
    }
  }
  return best;
}
