/** What the field extractors share for one text: its labelled pairs, claimed candidates and mentions. */
import type { Embedder } from '../embedding/local-embedder.ts';
import {
  conflicts,
  type FieldTerms,
  isGenericWord,
  labelMatch,
  partyNamed,
  phraseWords,
  roleOf,
} from './field-words.ts';
import type { LabelledValue } from './labelled-values.ts';
import type { Found } from './patterns.ts';

export interface Context {
  readonly text: string;
  readonly pairs: readonly LabelledValue[];
  readonly claimed: Set<string>;
  readonly embedder: Embedder | undefined;
  readonly signal: AbortSignal | undefined;
  /** Who issued the document: the buyer of a purchase order, the seller of an invoice (`issuerOf`). */
  readonly issuer: 'seller' | 'buyer' | undefined;
  usedEmbeddings: boolean;
}

/**
 * Who issued a document: a purchase order is the buyer's, an invoice or a receipt the seller's; the first
 * document word decides ("Invoice ... your purchase order" is an invoice). Undefined without one.
 */
export function issuerOf(text: string): 'seller' | 'buyer' | undefined {
  // "Subject: PO SK-2291", "Please process PO SK-2291": a PO with its number names the document too.
  const first =
    /\b(purchase[ \t]+order|order[ \t]+form|orden[ \t]+de[ \t]+compra|bestellung|P\.?O\.?(?=[ \t]*(?:no\.?|#|number)?[ \t]*[A-Z]{0,5}[-/]?\d)|invoice|receipt|factura|facture|fattura|rechnung|faktura)\b/iu.exec(
      text,
    );
  // "PO number: 771204" opening the text: a purchase order.
  if (/^\s*P\.?O\.?\b/u.test(text) && (first === null || first.index > 0)) return 'buyer';
  // "Order no. 2025/ACQ/0388" opening a line of a text with no document word before it: an order the
  // text places, its writer the buyer.
  const order = /^[ \t]*order[ \t]+(?:no\b\.?|nr\b\.?|number\b)/imu.exec(text);
  if (order !== null && (first === null || first.index > order.index)) return 'buyer';
  // "We confirm our order for ...", "Please accept this e-mail as our order": the writer orders, so buys.
  const ordering =
    /\b(?:(?:we|I)[ \t]+(?:hereby[ \t]+)?(?:confirm[ \t]+(?:our|my)|place[ \t]+(?:our|my|an?|the[ \t]+following))[ \t]+order|(?:our|my)[ \t]+order[ \t]+(?:for|of)|please[ \t]+accept[ \t]+this[ \t]+(?:e-?mail|letter)[ \t]+as[ \t]+(?:an?[ \t]+|our[ \t]+)?(?:purchase[ \t]+)?order)\b/iu.exec(
      text,
    );
  if (ordering !== null && (first === null || first.index > ordering.index)) return 'buyer';
  if (first === null) return undefined;
  return /^(?:purchase|order|orden|bestellung|p\.?o)/iu.test(first[1] ?? '') ? 'buyer' : 'seller';
}

/** Words of a field whose value is one party's contact or registration detail, whichever party it is. */
const DETAIL_WORDS = new Set([
  'contact',
  'email',
  'mail',
  'phone',
  'tel',
  'telephone',
  'mobile',
  'fax',
  'vat',
]);

/**
 * Whether a label names the other party's detail: a field that names no party (`contact_email`,
 * `vat_number`) holds the issuer's, so `Supplier email` on a purchase order and `Customer phone` on an
 * invoice are not its answer.
 */
export function otherPartysDetail(context: Context, words: readonly string[], terms: FieldTerms): boolean {
  if (roleOf(terms.name) !== undefined || !terms.name.some((word) => DETAIL_WORDS.has(word))) return false;
  const party = partyNamed(words);
  // Without a document word, a letter or an e-mail: its sender's details.
  return party !== undefined && party !== (context.issuer ?? 'seller');
}

/**
 * The party whose block of lines holds a position: a paragraph headed by a bare party heading on a line of
 * its own ("INVOICE TO", "BILL TO      SHIP TO", "Customer:") is that party's, down to the next blank line.
 */
export function blockParty(text: string, index: number): 'seller' | 'buyer' | undefined {
  const blank = /\n[ \t]*\n/gu;
  let start = 0;
  for (const match of text.matchAll(blank)) {
    if (match.index >= index) break;
    start = match.index + match[0].length;
  }
  const headingEnd = text.indexOf('\n', start);
  if (headingEnd === -1 || headingEnd >= index) return undefined;
  const heading = text.slice(start, headingEnd).trim();
  const cells = heading.split(/[ \t]{2,}|\t/u);
  if (cells.length > 3 || !cells.every((cell) => /^[\p{L}][\p{L} &'’/.-]{0,30}:?$/u.test(cell)))
    return undefined;
  return partyNamed(phraseWords(heading));
}

/** Whether a position is in the block of the party that is not the field's (for a field that names no party). */
export function inOtherPartysBlock(context: Context, index: number, terms: FieldTerms): boolean {
  if (roleOf(terms.name) !== undefined || !terms.name.some((word) => DETAIL_WORDS.has(word))) return false;
  const party = blockParty(context.text, index);
  return party !== undefined && party !== (context.issuer ?? 'seller');
}

/** Where a value was read from and how sure the extractor is that it belongs to the field. */
export interface Span {
  readonly start: number;
  readonly end: number;
  /** 0..1: a labelled value ~0.9, a typed value near a mention ~0.7, the only value of its type ~0.6. */
  readonly confidence: number;
}

/**
 * What an extractor found: the value and its evidence. Scalars carry one `span`; objects and arrays carry
 * the spans of their parts by relative JSON Pointer (`''` for a scalar itself).
 */
export type Extracted = { readonly value: unknown; readonly spans: ReadonlyMap<string, Span> } | undefined;

/** Values below this confidence are not answers: the field is reported missing instead. */
export const MIN_CONFIDENCE = 0.5;

export function found(value: unknown, start: number, end: number, confidence: number): Extracted {
  return { value, spans: new Map([['', { start, end, confidence }]]) };
}

/** The span of a `Found` candidate. */
export function foundAt(
  value: unknown,
  candidate: { readonly index: number; readonly raw: string },
  confidence: number,
): Extracted {
  return found(value, candidate.index, candidate.index + candidate.raw.length, confidence);
}

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
  'customer',
  'client',
  'buyer',
  'contractor',
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

/**
 * The words just before a position on its line (back to a separator such as `|`, `;` or a sentence end),
 * or the previous line when it is a bare label (`Bill to:`): what says which value stands there.
 */
export function wordsBefore(text: string, index: number): string[] {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  // "Arriving: Friday, 03/14/2025": the weekday belongs to the date, not to what is said before it;
  // "Total excl. VAT": an abbreviation's dot ends no sentence.
  let prefix = text
    .slice(Math.max(lineStart, index - 40), index)
    .replace(/\b(?:mon|tues|wednes|thurs|fri|satur|sun)day,?[ \t]*$/iu, '')
    .replace(/\b(excl|incl|inc|no|nr|tel|ref|approx|vs)\.(?= )/giu, '$1 ');
  const cut = Math.max(
    ...['|', '•', ';', '. ', ', ', '? ', '! ', '—', ' - '].map((separator) => prefix.lastIndexOf(separator)),
  );
  if (cut >= 0) prefix = prefix.slice(cut + 1);
  if (!/\p{L}/u.test(prefix) && lineStart > 0) {
    const previousStart = text.lastIndexOf('\n', lineStart - 2) + 1;
    const previous = text.slice(previousStart, lineStart - 1).trim();
    if (/^[\p{L}][\p{L} &'’/.-]{0,30}:$/u.test(previous)) return phraseWords(previous);
  }
  return phraseWords(prefix);
}

/**
 * The candidate closest after a mention (within 80 characters), else just before one on the same line
 * (within 25: a table's previous row is another row's value), and how close.
 */
export function nearMention<T>(
  candidates: readonly Found<T>[],
  positions: readonly number[],
  text: string,
): { readonly candidate: Found<T>; readonly confidence: number } | undefined {
  let best: Found<T> | undefined;
  let bestConfidence = 0;
  // Each candidate's best tie: how close, and the word that names it.
  const ties = new Map<Found<T>, { confidence: number; word: string }>();
  for (const position of positions) {
    for (const candidate of candidates) {
      // "Telia Company AB" mentions "company" inside itself: a value is not named by its own words.
      if (position >= candidate.index && position < candidate.index + candidate.raw.length) continue;
      const after = candidate.index - position;
      // ... and not across a sentence end ("so £720. I'm not VAT registered").
      if (after < 0 && /\n|[.!?]\s/u.test(text.slice(candidate.index + candidate.raw.length, position)))
        continue;
      // A value on a later line that has its own label (`Arriving: 03/14/2025`, not a bare `Date:`) is
      // that label's.
      if (after > 0 && text.slice(position, candidate.index).includes('\n')) {
        // ... and a mention ties a value on a later line only when it ends its own line (`Bill to:`
        // above the name): a table's column header (`Qty  Rate  Net`) names each row's value, not one.
        const mentionLineEnd = text.indexOf('\n', position);
        const rest = text.slice(position, mentionLineEnd);
        const mentionLine = text.slice(text.lastIndexOf('\n', position - 1) + 1, mentionLineEnd).trim();
        if (!/^[\p{L}\p{N} _&'’./-]{1,40}[:#]?\s*$/u.test(rest) || /\S(?: {2,}|\t)\S/u.test(mentionLine))
          continue;
        const lineStart = text.lastIndexOf('\n', candidate.index - 1) + 1;
        const label = /(\p{L}[^:\n]{0,40}):[^:]*$/u.exec(text.slice(lineStart, candidate.index))?.[1];
        if (label !== undefined && phraseWords(label).some((word) => !isGenericWord(word))) continue;
      }
      const confidence =
        after >= 0 ? (after <= 80 ? 0.85 - after / 200 : 0) : -after <= 25 ? 0.7 + after / 100 : 0;
      if (after >= 0 && confidence > (ties.get(candidate)?.confidence ?? 0))
        ties.set(candidate, {
          confidence,
          word: (/^[\p{L}\p{N}]+/u.exec(text.slice(position))?.[0] ?? '').toLowerCase(),
        });
      if (confidence > bestConfidence) {
        best = candidate;
        bestConfidence = confidence;
      }
    }
  }
  if (best === undefined) return undefined;
  // Two different values each just after the same word ("Tel 01275 555 019" in the customer's column,
  // "Tel 0117 555 0632" in the vendor's): the word does not say which is the field's, so neither is.
  const tie = ties.get(best);
  const rival =
    tie !== undefined &&
    [...ties].some(
      ([candidate, other]) =>
        JSON.stringify(candidate.value) !== JSON.stringify(best.value) &&
        other.word === tie.word &&
        other.confidence >= bestConfidence - 0.05,
    );
  return { candidate: best, confidence: rival ? Math.min(bestConfidence, 0.45) : bestConfidence };
}

function claimKey(kind: string, found: Found<unknown>): string {
  return `${kind}@${found.index}`;
}

/**
 * A candidate for the field with its confidence: the one nearest a mention of the field, else (when
 * `fallback`: the field's type alone may tie a value to it) the only candidate of its kind (0.6) or the
 * first one no other field has taken (0.35, below the answer threshold). Candidates that stand after
 * words naming another party or value (`Bill to:` for a vendor, `VAT No` for a phone) are never chosen.
 */
export function pick<T>(
  context: Context,
  kind: string,
  candidates: readonly Found<T>[],
  terms: FieldTerms,
  fallback: boolean,
): { readonly candidate: Found<T>; readonly confidence: number } | undefined {
  const allowed = candidates.filter((candidate) => {
    const before = wordsBefore(context.text, candidate.index);
    if (conflicts(before, terms) || otherPartysDetail(context, before, terms)) return false;
    // The customer's phone in the block under "INVOICE TO" is not the invoice's contact phone.
    if (inOtherPartysBlock(context, candidate.index, terms)) return false;
    // A value in a table cell or after a label is that label's: `| Supplier email | x@y |`, the
    // `Date:` of an e-mail header (a sent date).
    const label = labelOf(context, candidate.index);
    if (label === undefined) return true;
    const words = phraseWords(label);
    return !conflicts(words, terms) && !otherPartysDetail(context, words, terms);
  });
  // `("Client")` defines the party before it: it ties no value after it to the field.
  const positions = mentions(context, terms).filter(
    (position) =>
      !/\((?:the[ \t]+)?["“]?$/iu.test(context.text.slice(Math.max(0, position - 8), position)) ||
      !/^[\p{L} ]{1,30}["”]?\)/u.test(context.text.slice(position, position + 34)),
  );
  let chosen = nearMention(allowed, positions, context.text);
  if (chosen === undefined && fallback) {
    const free = allowed.filter((candidate) => !context.claimed.has(claimKey(kind, candidate)));
    const distinct = new Set(candidates.map((candidate) => JSON.stringify(candidate.value)));
    const first = free[0];
    if (first !== undefined) chosen = { candidate: first, confidence: distinct.size === 1 ? 0.6 : 0.35 };
  }
  if (chosen !== undefined) context.claimed.add(claimKey(kind, chosen.candidate));
  return chosen;
}

/** The label of the labelled pair whose value holds a position, if any. */
function labelOf(context: Context, index: number): string | undefined {
  return context.pairs.find((pair) => index >= pair.index && index < pair.index + pair.value.length)?.label;
}

/** Every label that names the field (scoring over 0.5), best first. */
export function rankedLabels(
  context: Context,
  terms: FieldTerms,
): { readonly pair: LabelledValue; readonly score: number }[] {
  return context.pairs
    .map((pair) => ({
      pair,
      score:
        otherPartysDetail(context, phraseWords(pair.label), terms) ||
        inOtherPartysBlock(context, pair.index, terms)
          ? 0
          : addresseeOfBuyer(context, pair, terms) || addresseeOfSeller(context, pair, terms)
            ? 0.8
            : labelMatch(pair.label, terms),
    }))
    .filter((entry) => entry.score > 0.5)
    .sort((left, right) => right.score - left.score || left.pair.index - right.pair.index);
}

/**
 * Whether a pair is the `To:` line of a letter its buyer wrote (a purchase order): its addressee is the
 * seller. An e-mail header (`To: sales@...`) names a mailbox, not a party: not this.
 */
function addresseeOfBuyer(context: Context, pair: LabelledValue, terms: FieldTerms): boolean {
  return (
    context.issuer === 'buyer' &&
    /^\s*to\s*$/iu.test(pair.label) &&
    !/@/u.test(pair.value) &&
    roleOf(terms.name) === 'seller' &&
    !terms.name.some((word) => ['email', 'mail', 'phone', 'tel', 'contact'].includes(word))
  );
}

/**
 * Whether a pair is the `To:` line of a document its seller issued (an invoice, a receipt): its addressee
 * is the customer. An e-mail header's `To:` (a header block, or a mailbox) is not this.
 */
function addresseeOfSeller(context: Context, pair: LabelledValue, terms: FieldTerms): boolean {
  if (
    context.issuer !== 'seller' ||
    !/^\s*to\s*$/iu.test(pair.label) ||
    /@/u.test(pair.value) ||
    roleOf(terms.name) !== 'buyer' ||
    terms.name.some((word) => ['email', 'mail', 'phone', 'tel', 'contact'].includes(word))
  )
    return false;
  return !context.pairs.some((other) => /^\s*(?:from|subject|sent)\s*$/iu.test(other.label));
}

/** The label that best names the field (scoring at least 0.5), with its score. */
export function bestLabel(
  context: Context,
  terms: FieldTerms,
): { readonly pair: LabelledValue; readonly score: number } | undefined {
  let best: LabelledValue | undefined;
  let bestScore = 0.5;
  for (const pair of context.pairs) {
    const score = labelMatch(pair.label, terms);
    if (score > bestScore) {
      best = pair;
      bestScore = score;
    }
  }
  return best === undefined ? undefined : { pair: best, score: bestScore };
}
