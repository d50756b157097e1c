import { isIPv6 } from 'node:net';
import { isIssuableSsn, passesIbanChecksum, passesLuhn, passesSpanishIdLetter } from './checksums.ts';
import { findPersonNames } from './person-names.ts';
import { findPostalAddresses, type TextSpan } from './postal-addresses.ts';

/**
 * The kinds of personal data Keel finds offline. Checksum-validated: payment_card, iban, es_national_id.
 * `postal_address` and `person_name` are found by shapes and cues, less precisely (docs/guardrails.md).
 */
export const PII_TYPES = [
  'email',
  'phone',
  'payment_card',
  'iban',
  'ip_address',
  'us_ssn',
  'es_national_id',
  'uk_nino',
  'postal_address',
  'person_name',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

/**
 * What `detectPii` and `piiGuardrail` (so `pii-redact`, `pii-block`, `pii-leak`) look for unless told:
 * every kind but addresses and names, whose precision on unseen text is too low to redact by default
 * (decision 0180).
 */
export const DEFAULT_PII_TYPES: readonly PiiType[] = PII_TYPES.filter(
  (type) => type !== 'postal_address' && type !== 'person_name',
);

/** One finding: where it is in the text (UTF-16 offsets, end exclusive) and what it is. */
export interface PiiSpan {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Detector {
  readonly type: PiiType;
  /** Higher wins when two findings overlap (an IBAN's digits are not also a phone number). */
  readonly priority: number;
  readonly pattern: RegExp;
  /** Whether a match is really this kind of data; may narrow the match (returns its bounds). */
  accept(match: RegExpExecArray, text: string): boolean;
}

// File extensions that follow an `@` in asset names (`icon@2x.png`) and code, never a mail domain here.
const NOT_MAIL_TOP_LEVEL = new Set(
  'png jpg jpeg gif svg webp ico bmp tif tiff js mjs cjs ts tsx jsx css scss json map md txt pdf py rb go java kt'.split(
    ' ',
  ),
);

// Words after which four dotted numbers are a version or a section, not an address (`version 1.2.3.4`).
const NUMBERED_BEFORE =
  /\b(?:version|ver|v|release|build|section|sec|chapter|clause|rule|step|item|part|kernel|§)\.?\s*$/i;

const digitsOf = (text: string) => text.replace(/\D/g, '');

/** Issuer prefixes (IIN ranges) of the card networks in use; a Luhn-valid number outside them is not a card. */
function hasCardIssuerPrefix(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  const six = Number(digits.slice(0, 6));
  const length = digits.length;
  if (digits[0] === '4') return length === 13 || length === 16 || length === 19; // Visa
  if (two >= 51 && two <= 55) return length === 16; // Mastercard
  if (six >= 222100 && six <= 272099) return length === 16; // Mastercard 2-series
  if (two === 34 || two === 37) return length === 15; // American Express
  if (four === 6011 || two === 65 || (three >= 644 && three <= 649)) return length >= 16; // Discover
  if (four >= 3528 && four <= 3589) return length >= 16; // JCB
  if (two === 36 || two === 38 || (three >= 300 && three <= 305)) return length >= 14; // Diners Club
  if (two === 62) return length >= 16; // UnionPay
  if (two === 50 || (two >= 56 && two <= 69)) return length >= 12; // Maestro
  return false;
}

const detectors: readonly Detector[] = [
  {
    type: 'iban',
    priority: 6,
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g,
    accept: (match) => passesIbanChecksum(match[0].replace(/ /g, '')),
  },
  {
    type: 'payment_card',
    priority: 5,
    // A comma or a dot next to a digit is a decimal or a thousands separator; alone it is a delimiter (CSV).
    pattern: /(?<![\w.-])(?<!\d,)\d(?:[ -]?\d){11,18}(?![\w-]|[.,]\d)/g,
    accept: (match) => {
      const candidate = match[0];
      const separators = new Set(candidate.replace(/\d/g, ''));
      if (separators.size > 1) return false;
      const digits = digitsOf(candidate);
      return digits.length >= 13 && digits.length <= 19 && hasCardIssuerPrefix(digits) && passesLuhn(digits);
    },
  },
  {
    type: 'us_ssn',
    priority: 4,
    pattern: /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])/g,
    accept: (match) => isIssuableSsn(match[1] ?? '', match[2] ?? '', match[3] ?? ''),
  },
  {
    type: 'es_national_id',
    priority: 4,
    pattern: /(?<![\w-])[XYZ]?\d{7,8}-?[A-Z](?![\w-])/g,
    accept: (match) => passesSpanishIdLetter(match[0].replace('-', '')),
  },
  {
    type: 'uk_nino',
    priority: 4,
    pattern: /(?<![\w-])[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w-])/g,
    accept: (match) => !/^(BG|GB|NK|KN|TN|NT|ZZ)/.test(match[0]),
  },
  {
    type: 'email',
    priority: 3,
    pattern:
      /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g,
    accept: (match) => {
      const domain = match[0].slice(match[0].indexOf('@') + 1).toLowerCase();
      const labels = domain.split('.');
      const topLevel = labels.at(-1) ?? '';
      if (NOT_MAIL_TOP_LEVEL.has(topLevel)) return false;
      // `name@2x.webp`-style asset suffixes and `pkg@1.2.3` versions are not addresses.
      return !/^\d+x?$/.test(labels[0] ?? '');
    },
  },
  {
    type: 'ip_address',
    priority: 2,
    pattern:
      /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)|(?<![\w:.])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])/g,
    accept: (match, text) => {
      const candidate = match[0];
      if (!candidate.includes(':'))
        return !NUMBERED_BEFORE.test(text.slice(Math.max(0, match.index - 24), match.index));
      // Clock times and ratios (`12:30:45`) are not addresses: a real IPv6 address has `::` or 8 groups.
      return isIPv6(candidate) && (candidate.includes('::') || candidate.split(':').length === 8);
    },
  },
  {
    type: 'phone',
    priority: 1,
    // International numbers (+CC, then groups of 1-8 digits: `+33 1 42 68 53 00`, `+49 89 12345678`), or
    // national ones in the groupings people write.
    pattern:
      /(?<![\w+.-])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{1,8}){1,6}|(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,5})(?![\w]|[.-]\d)/g,
    accept: (match) => {
      const candidate = match[0];
      const digits = digitsOf(candidate);
      if (candidate.startsWith('+')) return digits.length >= 8 && digits.length <= 15;
      if (digits.length < 10 || digits.length > 12) return false;
      // Dates and times written with separators are not numbers to call.
      if (/^\d{4}[-./]\d{2}[-./]\d{2}/.test(candidate) || /^\d{2}[-./]\d{2}[-./]\d{4}/.test(candidate)) {
        return false;
      }
      // North American (555) 123-4567 / 555-123-4567, or a national number with its trunk 0.
      return (
        /^\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}$/.test(candidate) ||
        (candidate.startsWith('0') && /[ .-]/.test(candidate)) ||
        candidate.startsWith('(0')
      );
    },
  },
];

/** Kinds found by cues and shapes rather than a pattern and a check (see postal-addresses.ts, person-names.ts). */
const cueDetectors: ReadonlyArray<{
  readonly type: PiiType;
  readonly priority: number;
  find(text: string): TextSpan[];
}> = [
  // An address holds numbers and capitalised words: it wins over a name inside it (`18 avenue Victor Hugo`).
  { type: 'postal_address', priority: 1, find: findPostalAddresses },
  { type: 'person_name', priority: 0, find: findPersonNames },
];

/**
 * Every piece of personal data of the given kinds in a text, in order, without overlaps. Candidates are
 * validated (checksums, issuer ranges, never-issued numbers, formats that are dates or versions), so a
 * finding is reported only when it is what it looks like.
 */
export function detectPii(text: string, types: readonly PiiType[] = DEFAULT_PII_TYPES): PiiSpan[] {
  const wanted = new Set(types);
  const found: Array<PiiSpan & { readonly priority: number }> = [];
  for (const detector of detectors) {
    if (!wanted.has(detector.type)) continue;
    detector.pattern.lastIndex = 0;
    for (let match = detector.pattern.exec(text); match !== null; match = detector.pattern.exec(text)) {
      if (!detector.accept(match, text)) continue;
      found.push({
        type: detector.type,
        start: match.index,
        end: match.index + match[0].length,
        text: match[0],
        priority: detector.priority,
      });
    }
  }
  for (const detector of cueDetectors) {
    if (!wanted.has(detector.type)) continue;
    for (const span of detector.find(text)) {
      found.push({
        type: detector.type,
        ...span,
        text: text.slice(span.start, span.end),
        priority: detector.priority,
      });
    }
  }
  found.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PiiSpan[] = [];
  for (const { priority: _priority, ...span } of found) {
    if (kept.every((other) => span.end <= other.start || span.start >= other.end)) kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}
