import { finderFor, findWithUnit } from './field-extractors.ts';
import {
  findDates,
  findEmails,
  findMoney,
  findNumbers,
  findPercents,
  findPhones,
  findUrls,
  parseBoolean,
} from './patterns.ts';
import type { SchemaNode } from './schema-plan.ts';

const ANY_UNIT = 'days?|kg|kilos?|years?|yrs?|months?|hours?|hrs?|weeks?|minutes?|mins?';

function numbersIn(quote: string): number[] {
  return [
    ...findMoney(quote),
    ...findPercents(quote),
    ...findNumbers(quote),
    ...findWithUnit(quote, ANY_UNIT),
  ].map((found) => found.value);
}

function digits(text: string): string {
  return text.replace(/\D/gu, '');
}

/**
 * Whether the quoted text supports the value: a number appears in it, a date (or e-mail, URL, phone)
 * parses from it, a string is written in it. Enum values and booleans are read from words, so their
 * quote only has to exist.
 */
export function valueInQuote(node: SchemaNode, value: unknown, quote: string): boolean {
  if (quote.trim().length === 0) return false;
  switch (node.kind) {
    case 'number':
    case 'integer':
      return typeof value === 'number' && numbersIn(quote).some((number) => Math.abs(number - value) < 0.005);
    case 'string': {
      if (typeof value !== 'string') return false;
      const finder = finderFor(node.format);
      if (finder !== undefined) return finder(quote).some((found) => found.value === value);
      if (quote.toLowerCase().includes(value.toLowerCase())) return true;
      // Typed values found without a format keep their written form; phones compare by digits.
      return (
        [...findEmails(quote), ...findUrls(quote), ...findPhones(quote)].some(
          (found) => found.value === value,
        ) ||
        (digits(value).length >= 7 && digits(quote) === digits(value)) ||
        findDates(quote).some((found) => found.value === value)
      );
    }
    case 'boolean':
      return typeof value === 'boolean' && (parseBoolean(quote) !== undefined || /\p{L}/u.test(quote));
    case 'enum':
      return true;
    default:
      return true;
  }
}

const PERIODS: Readonly<Record<string, RegExp>> = {
  month: /\b(?:monthly|per[ \t]+(?:calendar[ \t]+)?month|a[ \t]+month|each[ \t]+month|every[ \t]+month|pcm|p\.c\.m\.?)\b|\/[ \t]?(?:month|mo)\b/giu,
  year: /\b(?:annual|annually|yearly|per[ \t]+(?:year|annum)|a[ \t]+year|each[ \t]+year|p\.a\.?)(?![\p{L}])|\/[ \t]?(?:year|yr)\b/giu,
  week: /\b(?:weekly|per[ \t]+week|a[ \t]+week|each[ \t]+week)\b|\/[ \t]?(?:week|wk)\b/giu,
  day: /\b(?:daily|per[ \t]+day|a[ \t]+day|each[ \t]+day)\b|\/[ \t]?day\b/giu,
  hour: /\b(?:hourly|per[ \t]+hour|an[ \t]+hour|each[ \t]+hour)\b|\/[ \t]?(?:hour|hr|h)\b/giu,
};

/** The period a field's name states (`monthly_fee`, `rent_per_month`, `annual_salary`), if any. */
export function periodOf(words: readonly string[]): string | undefined {
  const per = words.includes('per');
  if (words.includes('monthly') || (per && words.includes('month'))) return 'month';
  if (words.some((word) => ['annual', 'yearly', 'annually', 'annum'].includes(word)) || (per && words.includes('year')))
    return 'year';
  if (words.includes('weekly') || (per && words.includes('week'))) return 'week';
  if (words.includes('daily') || (per && words.includes('day'))) return 'day';
  if (words.includes('hourly') || (per && words.includes('hour'))) return 'hour';
  return undefined;
}

/**
 * Whether an amount read for a periodic field (`monthly_fee`) is stated for that period: the period
 * written nearest the amount, on its line (40 characters before to 30 after), must be the field's.
 * "£54,000 per annum, payable in twelve monthly instalments of £4,500": £4,500 is monthly, £54,000 not.
 */
export function statedForPeriod(text: string, start: number, end: number, period: string): boolean {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end);
  const from = Math.max(lineStart, start - 40);
  const to = Math.min(lineEnd, end + 30);
  const window = text.slice(from, to);
  let nearest: { period: string; distance: number } | undefined;
  for (const [name, pattern] of Object.entries(PERIODS)) {
    for (const match of window.matchAll(pattern)) {
      const at = from + match.index;
      const distance = at >= end ? at - end : Math.max(0, start - (at + match[0].length));
      if (nearest === undefined || distance < nearest.distance) nearest = { period: name, distance };
    }
  }
  return nearest?.period === period;
}
