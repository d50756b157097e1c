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

const ANY_UNIT = 'days?|kgs?|kilos?|years?|yrs?|months?|hours?|hrs?|weeks?|minutes?|mins?';

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
      // A name wrapped across lines is read with one space where the text breaks the line.
      const spaced = (text: string) => text.replace(/\s+/gu, ' ').toLowerCase();
      if (spaced(quote).includes(spaced(value))) return true;
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
