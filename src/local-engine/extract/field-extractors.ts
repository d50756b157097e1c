import { cosine } from '../embedding/vectors.ts';
import { signalOption } from '../guards.ts';
import {
  bestLabel,
  type Context,
  type Extracted,
  escapeRegExp,
  found,
  foundAt,
  MIN_CONFIDENCE,
  MONEY_WORDS,
  mentions,
  NEGATION,
  PERCENT_WORDS,
  PHONE_WORDS,
  pick,
  rankedLabels,
  wordsBefore,
} from './extraction-context.ts';
import {
  dateQualifiedFor,
  type FieldTerms,
  isGenericWord,
  mayTakeUnlabelledDate,
  nameWords,
  phraseWords,
  roleOf,
} from './field-words.ts';
import { violations } from './json-schema-validator.ts';
import {
  type Found,
  findDates,
  findDateTimes,
  findEmails,
  findIpv4,
  findMoney,
  findNumbers,
  findPercents,
  findPhones,
  findTimes,
  findUrls,
  findUuids,
  idIn,
  parseBoolean,
  parseNumber,
} from './patterns.ts';
import { periodOf, statedForPeriod } from './periods.ts';
import type { ArrayNode, ScalarNode } from './schema-plan.ts';
import { signedByCompany, stringByName } from './string-extractors.ts';

export function finderFor(format: string | undefined): ((text: string) => Found<string>[]) | undefined {
  switch (format) {
    case 'email':
      return findEmails;
    case 'uri':
    case 'url':
      return findUrls;
    case 'date':
      return findDates;
    case 'date-time':
      return findDateTimes;
    case 'time':
      return (text) => findTimes(text).map((found) => ({ ...found, value: `${found.value}Z` }));
    case 'uuid':
      return findUuids;
    case 'ipv4':
      return findIpv4;
    default:
      return undefined;
  }
}

/**
 * Whether a date is said to be replaced: "planned for 9 October is now on 16 October", "moved from
 * 3 June", "instead of 3 June". The meeting is on the other date.
 */
function superseded(text: string, index: number, length: number): boolean {
  const after = text.slice(index + length, index + length + 40);
  const before = text.slice(Math.max(0, index - 30), index);
  return (
    /^[\s,)]*(?:(?:has|have|had|is|was|will)\s+(?:now\s+|been\s+|to\s+|be\s+)?(?:now|moved|move|postponed|cancelled|canceled|rescheduled|changed|replaced|off)|moved|postponed|cancelled|canceled|rescheduled)\b/iu.test(
      after,
    ) ||
    // "the meeting originally fixed for 18 August": the date it was, not the one it is.
    /\b(?:instead of|moved from|originally|previously|rather than|no longer)\s+(?:(?:fixed|planned|scheduled|set|booked|arranged|agreed)\s+)?(?:on\s+|for\s+|the\s+)?$/iu.test(
      before,
    )
  );
}

export function normalise(text: string): string {
  return phraseWords(text).join(' ');
}

/** Other names of common enum values (a card payment written as "VISA"). */
const ENUM_ALIASES: Readonly<Record<string, readonly string[]>> = {
  card: [
    'visa',
    'mastercard',
    'amex',
    'maestro',
    'debit card',
    'credit card',
    'contactless',
    'card',
    'girocard',
    'ec karte',
    'tarjeta',
  ],
  mobile: ['apple pay', 'google pay', 'samsung pay', 'mobile pay', 'upi'],
  cash: ['cash', 'coins'],
};

function phrasePattern(phrase: string, flags = 'iu'): RegExp {
  return new RegExp(
    `(?<![\\p{L}\\p{N}])${escapeRegExp(phrase).replace(/ /g, '[\\s_-]+')}(?![\\p{L}\\p{N}])`,
    flags,
  );
}

/** Where in `text` each enum value (or an alias of it) is named, first mention of each. */
function enumMentions(values: readonly unknown[], text: string): Found<unknown>[] {
  const found: Found<unknown>[] = [];
  for (const value of values) {
    if (value === null || typeof value === 'object') continue;
    const phrase = normalise(String(value));
    if (phrase.length === 0) continue;
    for (const alias of [phrase, ...(ENUM_ALIASES[phrase] ?? [])]) {
      for (const match of text.matchAll(phrasePattern(alias, 'giu'))) {
        const before = text.slice(Math.max(0, match.index - 40), match.index);
        if (NEGATION.test(before)) continue;
        // A gift or loyalty card is not a payment by card.
        if (/\b(?:gift|loyalty|rewards?|membership|store|club)[ \t]*$/iu.test(before)) continue;
        found.push({ value, index: match.index, raw: match[0] });
        break;
      }
    }
  }
  return found.sort((left, right) => left.index - right.index);
}

async function enumBySimilarity(context: Context, node: ScalarNode, terms: FieldTerms): Promise<Extracted> {
  const values = (node.enumValues ?? []).filter(
    (value) => typeof value === 'string' && value.length > 0,
  ) as string[];
  if (context.embedder === undefined || values.length < 2) return undefined;
  // Without a mention of the field there is nothing to tie a similarity to: abstain.
  const focus = mentions(context, terms)[0];
  if (focus === undefined) return undefined;
  const start = Math.max(0, focus - 100);
  const end = Math.min(context.text.length, focus + 200);
  const window = context.text.slice(start, end);
  const [textVector, ...valueVectors] = await context.embedder.embed(
    [window, ...values.map((value) => `${terms.name.join(' ')}: ${value}`)],
    signalOption(context.signal),
  );
  context.usedEmbeddings = true;
  const similarities = valueVectors.map((vector) => cosine(textVector as Float32Array, vector));
  const order = similarities
    .map((similarity, index) => ({ similarity, index }))
    .sort((left, right) => right.similarity - left.similarity);
  const [first, second] = order;
  if (
    first === undefined ||
    first.similarity < 0.25 ||
    (second !== undefined && first.similarity - second.similarity < 0.03)
  )
    return undefined;
  return found(values[first.index], start, end, 0.55);
}

const CURRENCY_SIGNS: readonly (readonly [RegExp, string])[] = [
  // A dollar of another country (CA$, A$, NZ$) is not USD; US$ is.
  [/(?<![A-Za-z])\$|\bUS\$|\bdollars?\b|\bdlrs\b|\bUSD\b/iu, 'USD'],
  [/€|\beuros?\b|\bEUR\b/iu, 'EUR'],
  [/£|\bpounds?\b|\bGBP\b/iu, 'GBP'],
  [/¥|\byen\b|\bJPY\b/iu, 'JPY'],
  [/₹|\brupees?\b|\bINR\b/iu, 'INR'],
];

/** An ISO currency code among the enum values, from the first currency sign or word in the text. */
function currencyOf(text: string, values: readonly unknown[]): Extracted {
  const codes = new Map(
    values
      .filter((value): value is string => typeof value === 'string')
      .map((value) => [value.toUpperCase(), value]),
  );
  let best: { index: number; code: string; length: number } | undefined;
  // A bare "$" is the US dollar only when no other dollar is named ("Total (CAD) $6,780.00").
  const otherDollar = /\b(?:CAD|AUD|NZD|SGD|HKD|MXN|TTD|JMD)\b|\b(?:CA|AU|NZ|HK|SG|C|A|S)\$/u.test(text);
  const namedUsd = /\bUSD\b|\bUS\$/u.test(text);
  for (const [pattern, code] of CURRENCY_SIGNS) {
    if (code === 'USD' && otherDollar && !namedUsd) continue;
    const match = pattern.exec(text);
    if (match !== null && codes.has(code) && (best === undefined || match.index < best.index))
      best = { index: match.index, code, length: match[0].length };
  }
  return best === undefined
    ? undefined
    : found(codes.get(best.code), best.index, best.index + best.length, 0.7);
}

/** A unit the field's name states (`weight_kg`, `notice_period_days`): its number must be written with it. */
const UNITS: Readonly<Record<string, string>> = {
  // ... in the languages of the set's documents too (Tage, jours, días, giorni, dagen, dagar).
  day: 'days?|tagen?|tage|jours?|d[ií]as|giorni|dagen|dagar',
  kg: 'kgs?|kilos?|kilograms?',
  year: 'years?|yrs?',
  month: 'months?',
  hour: 'hours?|hrs?',
  week: 'weeks?',
  minute: 'minutes?|mins?',
};

function unitOf(words: readonly string[]): string | undefined {
  for (const word of words) if (UNITS[word] !== undefined) return UNITS[word];
  return undefined;
}

const WORD_NUMBERS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  fourteen: 14,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  sixty: 60,
  ninety: 90,
};

/** Numbers written with a unit: `60 days`, `thirty (30) days`, `2.4 kg`, `8+ years`. */
export function findWithUnit(text: string, unit: string): Found<number>[] {
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}.])(\\d+(?:[.,]\\d+)?|${Object.keys(WORD_NUMBERS).join('|')})\\+?(?:\\s*\\((\\d+)\\))?\\s*(?:${unit})(?![\\p{L}])`,
    'giu',
  );
  return [...text.matchAll(pattern)].flatMap((match) => {
    const written = match[2] ?? match[1] ?? '';
    const value = WORD_NUMBERS[written.toLowerCase()] ?? parseNumber(written.replace(',', '.'));
    return value === undefined ? [] : [{ value, index: match.index, raw: match[0] }];
  });
}

/** What kind of number a field holds, from its name: candidates of that kind only. */
export function numberCandidates(words: readonly string[], text: string): Found<number>[] {
  const unit = unitOf(words);
  if (unit !== undefined) return findWithUnit(text, unit);
  if (words.some((word) => PERCENT_WORDS.has(word))) return findPercents(text);
  if (words.some((word) => MONEY_WORDS.has(word))) {
    const money = findMoney(text);
    // A bare decimal amount ("13.53") counts when it is the whole value or the text has no currency.
    const bare = findNumbers(text).filter(
      (candidate) =>
        // "TAX  9.25%   0.35": a rate is no amount.
        !/^[ \t]*%/u.test(text.slice(candidate.index + candidate.raw.length)) &&
        // ... or with a decimal comma ("75,42" on a German till slip).
        /^\d{1,3}(?:,\d{3})*\.\d{2}$|^\d+\.\d{2}$|^\d{1,3}(?:\.\d{3})*,\d{2}$/u.test(candidate.raw) &&
        !money.some(
          (other) => candidate.index >= other.index && candidate.index < other.index + other.raw.length,
        ),
    );
    return [...money, ...bare].sort((left, right) => left.index - right.index);
  }
  return findNumbers(text).filter((candidate) => !/^\d{4}$/u.test(candidate.raw) || words.includes('year'));
}

/** Whether a field's name holds only kind words (`amount`, `date`, `email`): then its type alone ties a value to it. */
function onlyKindWords(terms: FieldTerms): boolean {
  return terms.name.every(
    (word) => isGenericWord(word) || ['email', 'phone', 'website', 'url'].includes(word),
  );
}

function isIdField(words: readonly string[]): boolean {
  return words.some((word) => ['number', 'id', 'no', 'reference', 'ref', 'code', 'num'].includes(word));
}

/** A name as written in a labelled value, up to the first address, contact detail or aside. */
function nameIn(raw: string): string {
  // "Kestrel Shelving Systems, Inc.": a comma before a legal form is part of the name.
  return (
    raw.split(/\s*(?:,(?!\s*(?:Inc|LLC|Ltd|Corp|plc|L\.?P)\b)|\(|<|\||—|\s[-–]\s|;|\bat\b|\s#)\s*/u)[0] ?? ''
  )
    .trim()
    .replace(/[.]$/u, (dot, at: number, part: string) =>
      /\b(?:Inc|Ltd|Co|Corp|plc|LLC|S\.A|S\.L|B\.V|N\.V|S\.p\.A|S\.r\.l)\.$/iu.test(part.slice(0, at + 1))
        ? dot
        : '',
    );
}

function fromRaw(node: ScalarNode, raw: string, at: number, terms: FieldTerms, weight: number): Extracted {
  const text = raw.trim();
  if (text.length === 0) return undefined;
  const offset = at + raw.indexOf(text);
  const words = terms.name;
  switch (node.kind) {
    case 'enum': {
      const hit = enumMentions(node.enumValues ?? [], text)[0];
      return hit === undefined
        ? undefined
        : foundAt(hit.value, { ...hit, index: offset + hit.index }, weight);
    }
    case 'boolean': {
      const first = text.split(/[\s,;]+/u)[0] ?? '';
      const value = parseBoolean(first);
      return value === undefined
        ? undefined
        : found(value, offset, offset + first.replace(/[.!]+$/u, '').length, weight);
    }
    case 'number':
    case 'integer': {
      const hit = numberCandidates(words, text)[0];
      if (hit === undefined || (node.kind === 'integer' && !Number.isInteger(hit.value))) return undefined;
      return foundAt(hit.value, { ...hit, index: offset + hit.index }, weight);
    }
    case 'string': {
      const finder = stringFinder(node, words);
      if (finder !== undefined) {
        const hit = finder(text)[0];
        return hit === undefined
          ? undefined
          : foundAt(hit.value, { ...hit, index: offset + hit.index }, weight);
      }
      if (isIdField(words) || terms.name.some((word) => ['tracking', 'po', 'vat'].includes(word))) {
        const id = idIn(text);
        // "Totale fattura € 8.296,00": an amount of money is no identifier, whatever the label names.
        const money = findMoney(text).some(
          (amount) =>
            id !== undefined && id.index >= amount.index && id.index < amount.index + amount.raw.length,
        );
        // "6 x Aran wool 100g": a quantity with its unit is no identifier either.
        const quantity = id !== undefined && QUANTITY.test(id.value);
        return id === undefined || money || quantity
          ? undefined
          : found(id.value, offset + id.index, offset + id.index + id.value.length, weight);
      }
      if (
        words.some((word) =>
          [
            'name',
            'company',
            'vendor',
            'supplier',
            'customer',
            'client',
            'buyer',
            'merchant',
            'employer',
            'contractor',
            'sender',
            'recipient',
          ].includes(word),
        )
      ) {
        // "Rowan Interiors Ltd, attn. Fiona Blake": a person's field is the person the value is for.
        const attention =
          /\battn\.?:?[ \t]+(\p{Lu}[\p{L}'’-]+(?:[ \t]+\p{Lu}[\p{L}'’-]+){1,2})(?![\p{L}])/u.exec(text);
        if (
          attention?.[1] !== undefined &&
          words.some((word) => ['recipient', 'sender', 'contact', 'person', 'attendee'].includes(word))
        ) {
          const start = offset + attention.index + attention[0].indexOf(attention[1]);
          return found(attention[1], start, start + attention[1].length, weight);
        }
        // "J.P. (Jeroen) de Vries, trading as De Vries Data Consultancy": the party's trading name.
        const trading =
          /\b(?:trading[ \t]+as|t\/a|d\/b\/a|doing[ \t]+business[ \t]+as)[ \t]+(\p{Lu}.*)$/u.exec(text);
        if (trading?.[1] !== undefined) {
          const tradingName = nameIn(trading[1]);
          const start = offset + trading.index + trading[0].indexOf(trading[1]);
          return tradingName.length === 0
            ? undefined
            : found(tradingName, start, start + tradingName.length, weight);
        }
        // `"Dr. Samuel Achebe" <s.achebe@...>`: the quotes of an e-mail header are not the name's.
        const unquoted = /^["“'](.+?)["”']/u.exec(text)?.[1];
        const name = nameIn(unquoted ?? text);
        // "J.P": initials alone name no one; "Support", "Accounts": a mailbox's department neither.
        if (/^(?:\p{Lu}\.?[ \t]*){1,3}$/u.test(name) || DEPARTMENT.test(name)) return undefined;
        if (
          TEAM_NAME.test(name) &&
          words.some((word) => ['sender', 'recipient', 'contact', 'full', 'person'].includes(word))
        )
          return undefined;
        if (name.length === 0 || name.length > 80 || /\d{3}/u.test(name) || /@/u.test(name)) return undefined;
        // "Buyer: J. Patel": an initial and a surname name a contact person, not an organisation.
        if (
          /^\p{Lu}\.[ \t]*\p{Lu}[\p{Ll}'’-]+$/u.test(name) &&
          words.some((word) =>
            ['buyer', 'supplier', 'vendor', 'customer', 'merchant', 'client', 'contractor'].includes(word),
          )
        )
          return undefined;
        const start = offset + (unquoted === undefined ? 0 : 1);
        return found(name, start, start + name.length, weight);
      }
      if (words.some((word) => ['job', 'title', 'position', 'role'].includes(word))) {
        const title = nameIn(text);
        return title.length === 0 ? undefined : found(title, offset, offset + title.length, weight);
      }
      const plain = text.replace(/\s*[<(][^>)]*@[^>)]*[>)]\s*$/u, '').trim();
      return plain.length === 0 ? undefined : found(plain, offset, offset + plain.length, weight * 0.95);
    }
    default:
      return undefined;
  }
}

const QUANTITY = /^\d+(?:[.,]\d+)?[ \t]?(?:mg|g|kg|ml|cl|l|mm|cm|m|km|oz|lbs?|pcs?|gb|mb|tb|w|kw|v|mah)$/iu;
/** The last word of a mailbox's display name that names a team, not a person ("Talent Team", "HR Department"). */
const TEAM_NAME =
  /[ \t](?:team|department|dept\.?|desk|office|support|services|recruitment|careers|helpdesk)$/iu;

/** The typed finder a string field uses: its format's, else one its name asks for (`email`, `phone`, `website`). */
function stringFinder(
  node: ScalarNode,
  words: readonly string[],
): ((text: string) => Found<string>[]) | undefined {
  const byFormat = finderFor(node.format);
  if (byFormat !== undefined) return byFormat;
  if (words.includes('email') || words.includes('mail')) return findEmails;
  if (words.some((word) => PHONE_WORDS.has(word))) return findPhones;
  if (words.some((word) => ['website', 'url', 'homepage', 'link'].includes(word))) return findUrls;
  return undefined;
}

const SITE_LABEL = /\b(?:ship|deliver|delivery)\b/iu;
/**
 * "Remit to: Blue Heron Marine Supply, Lockbox 4410" under a letterhead "BLUE HERON MARINE SUPPLY, INC.":
 * the organisation's name is the one with its legal form, where the text writes it in full.
 */
function withLegalForm(text: string, extracted: Extracted): Extracted {
  const name = extracted?.value;
  if (typeof name !== 'string' || name.length < 4 || LEGAL_FORM.test(name)) return extracted;
  const full = new RegExp(
    `(?<![\\p{L}\\p{N}])${escapeRegExp(name).replace(/ /g, '[ \\t]+')},?[ \\t]+(?:Inc|Ltd|LLC|LLP|GmbH|Corp|Corporation|PLC|AG|S\\.?A|Limited|B\\.?V|N\\.?V|Pty(?:[ \\t]+Ltd)?|SARL|SAS|AB|S\\.r\\.l|S\\.p\\.A|Pte\\.?[ \\t]+Ltd|Pvt\\.?[ \\t]+Ltd|KG|DAC)\\b\\.?`,
    'iu',
  ).exec(text);
  if (full === null) return extracted;
  const span = extracted?.spans.get('');
  return found(full[0], full.index, full.index + full[0].length, span?.confidence ?? 0.6);
}

/** A letter's dateline: a place, a comma and a date, alone on a line ("Porto, 9 April 2025"). */
const DATELINE =
  /^[ \t]*\p{Lu}[\p{L}'’. -]{1,30},[ \t]+(?:(?:le|den|am|the|il)[ \t]+)?\d{1,2}(?:st|nd|rd|th)?\.?[ \t]+\p{L}+\.?[ \t]+\d{4}[ \t]*$|^[ \t]*\p{Lu}[\p{L}'’. -]{1,30},[ \t]+\d{1,2}[./]\d{1,2}[./]\d{4}[ \t]*$/u;

function quotedLine(line: string): boolean {
  return /^[ \t]*>/u.test(line) || /\bwrote:?[ \t]*$/iu.test(line);
}

function lineOf(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end);
}
/** A mailbox's display name that names a department or a function, not an organisation or a person. */
const DEPARTMENT =
  /^(?:accounts?|accounting|billing|invoices?|invoicing|sales|orders?|info|information|support|help|helpdesk|team|admin|office|finance|payables|receivables|no-?reply|do-?not-?reply|notifications?|customer[ \t]+(?:service|care|support)|service)(?:[ \t]+(?:team|department|dept\.?))?$/iu;
/** Fields that name an organisation by its role: a vendor, a customer, a supplier, a merchant. */
const ORGANISATION_FIELD_WORDS = new Set([
  'vendor',
  'supplier',
  'seller',
  'merchant',
  'customer',
  'client',
  'buyer',
  'company',
  'organisation',
  'organization',
  'employer',
]);
const LEGAL_FORM =
  /\b(?:Inc|Ltd|LLC|LLP|GmbH|Corp|Corporation|Co|PLC|plc|AG|SA|S\.A|Limited|BV|B\.V|NV|Pty|SARL|SAS|AB|S\.r\.l|S\.p\.A)\b\.?/u;

export async function extractScalar(
  context: Context,
  node: ScalarNode,
  terms: FieldTerms,
  inArray: boolean,
): Promise<Extracted> {
  // The best label whose value holds a value of the field's type ("Invoice reference: GC-4471" names
  // the invoice but holds no date; "Date: 28 February 2025" below it does).
  for (const label of rankedLabels(context, terms).slice(0, 3)) {
    const fromLabel = fromRaw(node, label.pair.value, label.pair.index, terms, label.score);
    // "Ship to: Main Branch": a delivery address names a site, and the buyer only when it names an
    // organisation ("Ship to: Hillside Builders LLC").
    if (
      fromLabel !== undefined &&
      SITE_LABEL.test(label.pair.label) &&
      terms.name.some((word) => ['buyer', 'customer', 'client'].includes(word)) &&
      !LEGAL_FORM.test(String(fromLabel.value))
    )
      continue;
    // `From: Accounts <accounts@x>`: an e-mail header's display name that names a department is no
    // organisation; `From: Luis Ortega <luis@y>` above a forwarded message is the forwarder's, not the
    // original sender's (the last `From:` header is).
    if (
      fromLabel !== undefined &&
      /^\s*(?:from|to)\s*$/iu.test(label.pair.label) &&
      /@/u.test(label.pair.value) &&
      terms.name.some((word) => ORGANISATION_FIELD_WORDS.has(word)) &&
      !LEGAL_FORM.test(String(fromLabel.value)) &&
      (DEPARTMENT.test(String(fromLabel.value)) ||
        // ... and a person writing for a company their signature names (`Dana Whitaker / Copperleaf
        // Studio LLC`) is not the organisation.
        signedByCompany(context.text) ||
        context.pairs.some(
          (pair) =>
            pair.index > label.pair.index &&
            pair.label.trim().toLowerCase() === label.pair.label.trim().toLowerCase() &&
            /@/u.test(pair.value),
        ))
    )
      continue;
    if (fromLabel !== undefined)
      return terms.name.some((word) => ORGANISATION_FIELD_WORDS.has(word))
        ? withLegalForm(context.text, fromLabel)
        : fromLabel;
  }
  if (inArray) return undefined;
  switch (node.kind) {
    case 'enum': {
      const values = node.enumValues ?? [];
      const named = enumMentions(values, context.text);
      const near = pick(context, 'enum', named, terms, false);
      if (near !== undefined) return foundAt(near.candidate.value, near.candidate, near.confidence);
      if (new Set(named.map((hit) => hit.value)).size === 1 && named[0] !== undefined)
        return foundAt(named[0].value, named[0], 0.6);
      const currency = currencyOf(context.text, values);
      if (currency !== undefined) return currency;
      return enumBySimilarity(context, node, terms);
    }
    case 'boolean': {
      const specific = terms.name.filter((word) => !isGenericWord(word));
      const cues = specific.length > 0 ? specific : terms.name;
      for (const cue of cues) {
        const negatedForm = new RegExp(
          `(?<![\\p{L}])(?:un|non-?)${escapeRegExp(cue)}(?![\\p{L}])`,
          'iu',
        ).exec(context.text);
        if (negatedForm !== null)
          return foundAt(false, { index: negatedForm.index, raw: negatedForm[0] }, 0.7);
      }
      const positions = mentions(context, { ...terms, phrases: [...terms.phrases, ...cues] });
      const position = positions[0];
      if (position === undefined) return undefined;
      const mention = /^[\p{L}\p{N}_ -]*/u.exec(context.text.slice(position))?.[0] ?? '';
      const before = context.text.slice(Math.max(0, position - 40), position);
      return found(!NEGATION.test(before), position, position + Math.max(1, mention.trimEnd().length), 0.65);
    }
    case 'number':
    case 'integer': {
      const period = periodOf(terms.name);
      const candidates = numberCandidates(terms.name, context.text).filter(
        (candidate) =>
          (node.kind === 'number' || Number.isInteger(candidate.value)) &&
          (period === undefined ||
            statedForPeriod(context.text, candidate.index, candidate.index + candidate.raw.length, period)),
      );
      const chosen = pick(context, 'number', candidates, terms, onlyKindWords(terms));
      return chosen === undefined
        ? undefined
        : foundAt(chosen.candidate.value, chosen.candidate, chosen.confidence);
    }
    case 'string': {
      const finder = stringFinder(node, terms.name);
      if (finder !== undefined) {
        // A detail that names no party is the issuer's, and an e-mail is its sender's: the address of the
        // one `From:` header (with several, a forward or a thread, which one is the issuer's is not said).
        if (finder === findEmails && terms.name.includes('contact') && roleOf(terms.name) === undefined) {
          const headers = context.pairs.filter(
            (pair) => /^from$/iu.test(pair.label.trim()) && findEmails(pair.value).length > 0,
          );
          const header = headers.length === 1 ? headers[0] : undefined;
          const address = header === undefined ? undefined : findEmails(header.value)[0];
          if (header !== undefined && address !== undefined)
            return foundAt(address.value, { ...address, index: header.index + address.index }, 0.7);
        }
        // An e-mail's sender address is in its first `From:` header (a forwarded message's comes later).
        if (finder === findEmails && (terms.name.includes('sender') || terms.name.join(' ') === 'email')) {
          const header = context.pairs.find((pair) => /^from$/iu.test(pair.label.trim()));
          const address = header === undefined ? undefined : findEmails(header.value)[0];
          if (header !== undefined && address !== undefined)
            return foundAt(address.value, { ...address, index: header.index + address.index }, 0.75);
        }
        const isDate = node.format === 'date' || node.format === 'date-time';
        const candidates = finder(context.text).filter(
          (candidate) =>
            (!isDate || !superseded(context.text, candidate.index, candidate.raw.length)) &&
            // "On 4 Mar, Ruth Baker <ruth@x> wrote:" and "> ..." lines quote an earlier message: its
            // sender's address is not this message's.
            (finder !== findEmails || !quotedLine(lineOf(context.text, candidate.index))),
        );
        const chosen = pick(
          context,
          node.format ?? terms.name.join('_'),
          candidates,
          terms,
          !isDate || mayTakeUnlabelledDate(terms),
        );
        if (isDate && chosen === undefined) {
          // The words just before a date name the field's own date ("we need it fitted by ...").
          const qualified = candidates.find((candidate) =>
            dateQualifiedFor(wordsBefore(context.text, candidate.index), terms),
          );
          if (qualified !== undefined) return foundAt(qualified.value, qualified, 0.7);
        }
        if (
          isDate &&
          (chosen === undefined || chosen.confidence < MIN_CONFIDENCE) &&
          mayTakeUnlabelledDate(terms)
        ) {
          // "Torino, 12 May 2025" alone on a line: a letter's dateline, the document's own date.
          const dateline = candidates.filter((candidate) =>
            DATELINE.test(lineOf(context.text, candidate.index)),
          );
          if (dateline.length === 1 && dateline[0] !== undefined)
            return foundAt(dateline[0].value, dateline[0], 0.6);
        }
        return chosen === undefined
          ? undefined
          : foundAt(chosen.candidate.value, chosen.candidate, chosen.confidence);
      }
      return stringByName(context, terms);
    }
    default:
      return undefined;
  }
}

function splitList(value: string): string[] {
  return value
    .split(/\s*(?:[,;]|\band\b|\s&\s)\s*/u)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

export async function extractArray(context: Context, node: ArrayNode, terms: FieldTerms): Promise<Extracted> {
  const items = node.items;
  if (items.kind === 'object' || items.kind === 'array') return undefined;
  // Each item with its evidence (absolute offsets into the text).
  let hits: { value: unknown; index: number; raw: string; confidence: number }[] = [];
  const label = bestLabel(context, terms);
  const finder = items.kind === 'string' ? stringFinder(items, nameWords(items.name)) : undefined;
  if (label !== undefined) {
    const { value: raw, index: at } = label.pair;
    const shift = (hit: Found<unknown>) => ({ ...hit, index: at + hit.index, confidence: label.score });
    if (finder !== undefined) hits = finder(raw).map(shift);
    else if (items.kind === 'number' || items.kind === 'integer') hits = findNumbers(raw).map(shift);
    else {
      let cursor = 0;
      for (const part of splitList(raw)) {
        const offset = raw.indexOf(part, cursor);
        cursor = offset + part.length;
        const parsed = fromRaw(items, part, at + offset, terms, label.score);
        const span = parsed?.spans.get('');
        if (parsed !== undefined && span !== undefined)
          hits.push({
            value: parsed.value,
            index: span.start,
            raw: context.text.slice(span.start, span.end),
            confidence: span.confidence,
          });
      }
    }
  }
  if (hits.length === 0) {
    // Without a label, a list of typed values (e-mails, URLs, phones, enum values) is tied by type alone.
    if (finder !== undefined) hits = finder(context.text).map((hit) => ({ ...hit, confidence: 0.6 }));
    else if (items.kind === 'enum')
      hits = enumMentions(items.enumValues ?? [], context.text).map((hit) => ({ ...hit, confidence: 0.6 }));
  }
  hits = hits.filter((hit) => violations(items.schema, hit.value).length === 0);
  if (node.uniqueItems || items.kind !== 'string' || finder !== undefined)
    hits = [...new Map(hits.map((hit) => [JSON.stringify(hit.value), hit])).values()];
  hits = hits.slice(0, Number.isFinite(node.maxItems) ? node.maxItems : hits.length);
  if (hits.length === 0 || hits.length < node.minItems) return undefined;
  return {
    value: hits.map((hit) => hit.value),
    spans: new Map(
      hits.map((hit, index) => [
        `/${index}`,
        { start: hit.index, end: hit.index + hit.raw.length, confidence: hit.confidence },
      ]),
    ),
  };
}
