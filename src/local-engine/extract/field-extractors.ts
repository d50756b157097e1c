import { cosine } from '../embedding/vectors.ts';
import { signalOption } from '../guards.ts';
import {
  bestLabel,
  type Context,
  type Extracted,
  escapeRegExp,
  MONEY_WORDS,
  mentions,
  NEGATION,
  nearMention,
  PERCENT_WORDS,
  PHONE_WORDS,
  pick,
} from './extraction-context.ts';
import { type FieldTerms, isGenericWord, nameWords, phraseWords } from './field-words.ts';
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
  parseBoolean,
  parseNumber,
} from './patterns.ts';
import type { ArrayNode, ScalarNode } from './schema-plan.ts';
import { stringByName } from './string-extractors.ts';

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

function numberFinder(words: readonly string[]): (text: string) => Found<number>[] {
  if (words.some((word) => PERCENT_WORDS.has(word)))
    return (text) => [...findPercents(text), ...findNumbers(text)];
  if (words.some((word) => MONEY_WORDS.has(word)))
    return (text) => [...findMoney(text), ...findNumbers(text).filter((found) => !/^\d{4}$/.test(found.raw))];
  return findNumbers;
}

export function normalise(text: string): string {
  return phraseWords(text).join(' ');
}

/** The enum value a phrase names: exact, contained as a phrase, or sharing most words. */
function enumFromPhrase(values: readonly unknown[], phrase: string): Extracted {
  const target = normalise(phrase);
  if (target.length === 0) return undefined;
  for (const value of values) if (normalise(String(value)) === target) return { value };
  const padded = ` ${target} `;
  const contained = values.filter(
    (value) =>
      typeof value !== 'object' &&
      normalise(String(value)).length > 0 &&
      padded.includes(` ${normalise(String(value))} `),
  );
  if (contained.length >= 1)
    return { value: contained.sort((left, right) => String(right).length - String(left).length)[0] };
  return undefined;
}

async function enumBySimilarity(context: Context, node: ScalarNode, terms: FieldTerms): Promise<Extracted> {
  const values = (node.enumValues ?? []).filter(
    (value) => typeof value === 'string' && value.length > 0,
  ) as string[];
  if (context.embedder === undefined || values.length < 2) return undefined;
  const focus = mentions(context, terms);
  const window =
    focus.length > 0
      ? context.text.slice(Math.max(0, (focus[0] ?? 0) - 100), (focus[0] ?? 0) + 200)
      : context.text;
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
  return { value: values[first.index] };
}

const CURRENCY_SIGNS: readonly (readonly [RegExp, string])[] = [
  [/\$|\bdollars?\b|\bdlrs\b/iu, 'USD'],
  [/€|\beuros?\b/iu, 'EUR'],
  [/£|\bpounds?\b/iu, 'GBP'],
  [/¥|\byen\b/iu, 'JPY'],
  [/₹|\brupees?\b/iu, 'INR'],
];

/** An ISO currency code among the enum values, from the first currency sign or word in the text. */
function currencyOf(text: string, values: readonly unknown[]): Extracted {
  const codes = new Map(
    values
      .filter((value): value is string => typeof value === 'string')
      .map((value) => [value.toUpperCase(), value]),
  );
  let best: { index: number; code: string } | undefined;
  for (const [pattern, code] of CURRENCY_SIGNS) {
    const match = pattern.exec(text);
    if (match !== null && codes.has(code) && (best === undefined || match.index < best.index))
      best = { index: match.index, code };
  }
  return best === undefined ? undefined : { value: codes.get(best.code) };
}

function fromRaw(node: ScalarNode, raw: string): Extracted {
  const text = raw.trim();
  if (text.length === 0) return undefined;
  switch (node.kind) {
    case 'enum':
      return enumFromPhrase(node.enumValues ?? [], text);
    case 'boolean': {
      const value = parseBoolean(text.split(/[\s,;]+/u)[0] ?? '');
      return value === undefined ? undefined : { value };
    }
    case 'number':
    case 'integer': {
      const found = numberFinder(nameWords(node.name))(text)[0];
      const value = found?.value ?? parseNumber(text);
      if (value === undefined || (node.kind === 'integer' && !Number.isInteger(value))) return undefined;
      return { value };
    }
    case 'string': {
      const finder = finderFor(node.format);
      if (finder !== undefined) {
        const found = finder(text)[0];
        return found === undefined ? undefined : { value: found.value };
      }
      if (nameWords(node.name).some((word) => PHONE_WORDS.has(word))) {
        const phone = findPhones(text)[0];
        return phone === undefined ? undefined : { value: phone.value };
      }
      // "Name (name@example.org)" or "Name <name@example.org>": the contact detail is another field.
      const plain = text.replace(/\s*[<(][^>)]*@[^>)]*[>)]/gu, '').trim();
      return plain.length === 0 ? undefined : { value: plain };
    }
    default:
      return undefined;
  }
}

export async function extractScalar(
  context: Context,
  node: ScalarNode,
  terms: FieldTerms,
  inArray: boolean,
): Promise<Extracted> {
  const label = bestLabel(context, terms);
  if (label !== undefined) {
    const fromLabel = fromRaw(node, label.value);
    if (fromLabel !== undefined) return fromLabel;
  }
  if (inArray) return undefined;
  switch (node.kind) {
    case 'enum': {
      const values = node.enumValues ?? [];
      const found: Found<unknown>[] = [];
      for (const value of values) {
        const phrase = normalise(String(value));
        if (phrase.length === 0) continue;
        const pattern = new RegExp(
          `(?<![\\p{L}\\p{N}])${escapeRegExp(phrase).replace(/ /g, '[\\s_-]+')}(?![\\p{L}\\p{N}])`,
          'iu',
        );
        for (const match of context.text.matchAll(new RegExp(pattern.source, 'giu'))) {
          if (!NEGATION.test(context.text.slice(Math.max(0, match.index - 40), match.index))) {
            found.push({ value, index: match.index, raw: match[0] });
            break;
          }
        }
      }
      const chosen =
        nearMention(found, mentions(context, terms)) ?? (found.length === 1 ? found[0] : undefined);
      if (chosen !== undefined) return { value: chosen.value };
      const currency = currencyOf(context.text, values);
      if (currency !== undefined) return currency;
      return enumBySimilarity(context, node, terms);
    }
    case 'boolean': {
      const specific = terms.name.filter((word) => !isGenericWord(word));
      const cues = specific.length > 0 ? specific : terms.name;
      for (const cue of cues) {
        const negatedForm = new RegExp(`(?<![\\p{L}])(?:un|non-?)${escapeRegExp(cue)}(?![\\p{L}])`, 'iu');
        if (negatedForm.test(context.text)) return { value: false };
      }
      const positions = mentions(context, { ...terms, phrases: [...terms.phrases, ...cues] });
      if (positions.length === 0) return undefined;
      const position = positions[0] ?? 0;
      const before = context.text.slice(Math.max(0, position - 40), position);
      return { value: !NEGATION.test(before) };
    }
    case 'number':
    case 'integer': {
      const words = terms.name;
      const candidates = numberFinder(words)(context.text).filter(
        (found) => node.kind === 'number' || Number.isInteger(found.value),
      );
      const money = words.some((word) => MONEY_WORDS.has(word));
      const percent = words.some((word) => PERCENT_WORDS.has(word));
      const typed = money ? findMoney(context.text) : percent ? findPercents(context.text) : [];
      const found = pick(
        context,
        money ? 'money' : percent ? 'percent' : 'number',
        typed.length > 0 ? typed : candidates,
        terms,
        typed.length > 0,
      );
      if (found === undefined || (node.kind === 'integer' && !Number.isInteger(found.value)))
        return undefined;
      return { value: found.value };
    }
    case 'string': {
      const finder = finderFor(node.format);
      if (finder !== undefined) {
        const found = pick(context, node.format ?? 'string', finder(context.text), terms, true);
        return found === undefined ? undefined : { value: found.value };
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
  let values: unknown[] = [];
  if (items.kind === 'object' || items.kind === 'array') return undefined;
  const label = bestLabel(context, terms);
  const finder = items.kind === 'string' ? finderFor(items.format) : undefined;
  if (label !== undefined) {
    if (finder !== undefined) values = finder(label.value).map((found) => found.value);
    else if (items.kind === 'number' || items.kind === 'integer')
      values = findNumbers(label.value).map((found) => found.value);
    else
      for (const part of splitList(label.value)) {
        const parsed = fromRaw(items, part);
        if (parsed !== undefined) values.push(parsed.value);
      }
  }
  if (values.length === 0) {
    if (finder !== undefined) values = finder(context.text).map((found) => found.value);
    else if (items.kind === 'string' && nameWords(items.name).some((word) => PHONE_WORDS.has(word)))
      values = findPhones(context.text).map((found) => found.value);
    else if (items.kind === 'enum') {
      values = (items.enumValues ?? []).filter(
        (value) =>
          new RegExp(
            `(?<![\\p{L}\\p{N}])${escapeRegExp(normalise(String(value))).replace(/ /g, '[\\s_-]+')}(?![\\p{L}\\p{N}])`,
            'iu',
          ).test(context.text) && normalise(String(value)).length > 0,
      );
    }
  }
  values = values.filter((value) => violations(items.schema, value).length === 0);
  if (node.uniqueItems || items.kind !== 'string' || finder !== undefined)
    values = [...new Map(values.map((value) => [JSON.stringify(value), value])).values()];
  values = values.slice(0, Number.isFinite(node.maxItems) ? node.maxItems : values.length);
  if (values.length === 0 || values.length < node.minItems) return undefined;
  return { value: values };
}
