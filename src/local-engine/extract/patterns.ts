/** Typed values found in text by pattern, with where they start (for proximity to a field's label). */
export interface Found<T> {
  readonly value: T;
  readonly index: number;
  readonly raw: string;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

/**
 * Month names written after the day in German, French, Spanish, Italian, Dutch, Portuguese and Swedish
 * ("13. März 2025", "jeudi 13 mars 2025", "1 de febrero de 2025", "15 augustus 2025"), full names and a
 * few unambiguous abbreviations only.
 */
const FOREIGN_MONTHS: Record<string, number> = {
  januar: 1,
  jänner: 1,
  janvier: 1,
  janv: 1,
  enero: 1,
  gennaio: 1,
  januari: 1,
  janeiro: 1,
  februar: 2,
  février: 2,
  fevrier: 2,
  févr: 2,
  febrero: 2,
  febbraio: 2,
  februari: 2,
  fevereiro: 2,
  märz: 3,
  maerz: 3,
  mrz: 3,
  mars: 3,
  marzo: 3,
  maart: 3,
  março: 3,
  avril: 4,
  avr: 4,
  abril: 4,
  aprile: 4,
  mai: 5,
  mayo: 5,
  maggio: 5,
  mei: 5,
  maio: 5,
  maj: 5,
  juni: 6,
  juin: 6,
  junio: 6,
  giugno: 6,
  junho: 6,
  juli: 7,
  juillet: 7,
  juil: 7,
  julio: 7,
  luglio: 7,
  julho: 7,
  août: 8,
  aout: 8,
  agosto: 8,
  augustus: 8,
  augusti: 8,
  septembre: 9,
  septiembre: 9,
  setiembre: 9,
  settembre: 9,
  setembro: 9,
  oktober: 10,
  okt: 10,
  octobre: 10,
  octubre: 10,
  ottobre: 10,
  outubro: 10,
  novembre: 11,
  noviembre: 11,
  novembro: 11,
  dezember: 12,
  dez: 12,
  décembre: 12,
  decembre: 12,
  déc: 12,
  diciembre: 12,
  dicembre: 12,
  dezembro: 12,
};
const FOREIGN_MONTH = `(${Object.keys(FOREIGN_MONTHS)
  .sort((left, right) => right.length - left.length)
  .join('|')})\\.?`;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `YYYY-MM-DD` if the parts make a real calendar date. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

function fullYear(text: string): number {
  const year = Number(text);
  return text.length === 2 ? (year < 70 ? 2000 + year : 1900 + year) : year;
}

function allMatches(text: string, pattern: RegExp): RegExpExecArray[] {
  return [
    ...text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    ),
  ];
}

/**
 * Calendar dates as `YYYY-MM-DD`: ISO (2025-03-04), month names (March 4, 2025; 4 March 2025; 4th of
 * March 2025), and numeric dates (2025/03/04; 03.04.2025 day-first; 03/04/2025 month-first unless the
 * first number is over 12). Dates without a year are skipped: they cannot be written as a full date.
 */
export function findDates(text: string): Found<string>[] {
  const found: Found<string>[] = [];
  const push = (match: RegExpExecArray, value: string | undefined) => {
    if (value !== undefined && !found.some((other) => other.index === match.index))
      found.push({ value, index: match.index, raw: match[0] });
  };
  for (const match of allMatches(text, /\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/g))
    push(match, isoDate(Number(match[1]), Number(match[2]), Number(match[3])));
  for (const match of allMatches(
    text,
    new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'gi'),
  )) {
    push(match, isoDate(Number(match[3]), MONTHS[(match[1] ?? '').toLowerCase()] ?? 0, Number(match[2])));
  }
  for (const match of allMatches(
    text,
    new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})\\b`, 'gi'),
  )) {
    // "14-15 August 2025" is a range of days, not the 15th.
    if (/\d[ \t]*[-–][ \t]*$/u.test(text.slice(Math.max(0, match.index - 4), match.index))) continue;
    push(match, isoDate(Number(match[3]), MONTHS[(match[2] ?? '').toLowerCase()] ?? 0, Number(match[1])));
  }
  // "13. März 2025", "1 de febrero de 2025", "1er janvier 2025": a day, a month of another language, a year.
  for (const match of allMatches(
    text,
    new RegExp(
      `(?<![\\p{L}\\p{N}])(\\d{1,2})(?:\\.|er|º)?\\s+(?:de\\s+)?${FOREIGN_MONTH}\\s+(?:de\\s+)?(\\d{4})(?![\\p{L}\\p{N}])`,
      'giu',
    ),
  )) {
    if (/\d[ \t]*[-–][ \t]*$/u.test(text.slice(Math.max(0, match.index - 4), match.index))) continue;
    push(
      match,
      isoDate(Number(match[3]), FOREIGN_MONTHS[(match[2] ?? '').toLowerCase()] ?? 0, Number(match[1])),
    );
  }
  // "12-Jun-2025", "21 Jan 2025": a day, a month name and a year joined by dashes.
  for (const match of allMatches(text, new RegExp(`\\b(\\d{1,2})-${MONTH}-(\\d{4})\\b`, 'gi'))) {
    push(match, isoDate(Number(match[3]), MONTHS[(match[2] ?? '').toLowerCase()] ?? 0, Number(match[1])));
  }
  // Dashes only with a four-digit year ("26-04-2025"): "12-34-56" is rather an identifier.
  for (const match of allMatches(
    text,
    /\b(\d{1,2})(?:([/.])(\d{1,2})\2(\d{4}|\d{2})|(-)(\d{1,2})-(\d{4}))\b/g,
  )) {
    if (found.some((other) => match.index >= other.index && match.index < other.index + other.raw.length))
      continue;
    const first = Number(match[1]);
    const second = Number(match[3] ?? match[6]);
    const year = fullYear(match[4] ?? match[7] ?? '');
    const dayFirst = match[2] === '.' || first > 12;
    push(match, dayFirst ? isoDate(year, second, first) : isoDate(year, first, second));
  }
  return found.sort((left, right) => left.index - right.index);
}

/** Times of day as `HH:MM:SS` (24-hour), from 14:30, 2:30 pm, 2pm, 14:30:05. */
export function findTimes(text: string): Found<string>[] {
  const found: Found<string>[] = [];
  for (const match of allMatches(
    text,
    /\b(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?=$|[^\w:])/gi,
  )) {
    const hasMinutes = match[2] !== undefined;
    const meridiem = match[4]?.toLowerCase().replaceAll('.', '');
    if (!hasMinutes && meridiem === undefined) continue;
    let hours = Number(match[1]);
    const minutes = Number(match[2] ?? 0);
    const seconds = Number(match[3] ?? 0);
    if (meridiem !== undefined) {
      if (hours < 1 || hours > 12) continue;
      hours = (hours % 12) + (meridiem === 'pm' ? 12 : 0);
    }
    if (hours > 23 || minutes > 59 || seconds > 59) continue;
    found.push({ value: `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`, index: match.index, raw: match[0] });
  }
  return found;
}

/** RFC 3339 date-times: ISO timestamps as written, or a date followed within 40 characters by a time (UTC). */
export function findDateTimes(text: string): Found<string>[] {
  const found: Found<string>[] = [];
  for (const match of allMatches(
    text,
    /\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?\b/g,
  )) {
    const date = isoDate(Number(match[1]), Number(match[2]), Number(match[3]));
    if (date === undefined || Number(match[4]) > 23 || Number(match[5]) > 59) continue;
    let zone = match[8] ?? 'Z';
    if (/^[+-]\d{4}$/u.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    found.push({
      value: `${date}T${match[4]}:${match[5]}:${match[6] ?? '00'}${zone}`,
      index: match.index,
      raw: match[0],
    });
  }
  const times = findTimes(text);
  for (const date of findDates(text)) {
    if (found.some((other) => other.index === date.index)) continue;
    const end = date.index + date.raw.length;
    const time = times.find((candidate) => candidate.index >= end && candidate.index - end <= 40);
    if (time !== undefined)
      found.push({
        value: `${date.value}T${time.value}Z`,
        index: date.index,
        raw: text.slice(date.index, time.index + time.raw.length),
      });
  }
  return found.sort((left, right) => left.index - right.index);
}

export function findEmails(text: string): Found<string>[] {
  return allMatches(text, /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu).map(
    (match) => ({
      value: match[0],
      index: match.index,
      raw: match[0],
    }),
  );
}

export function findUrls(text: string): Found<string>[] {
  const full = allMatches(text, /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]+/giu).map((match) => {
    const raw = match[0].replace(/[.,;:!?]+$/u, '');
    return { value: raw.toLowerCase().startsWith('www.') ? `https://${raw}` : raw, index: match.index, raw };
  });
  // "github.com/jmiller-dev", "linkedin.com/in/x": a host with a path, written without its scheme (not
  // the domain of an e-mail address, nor a part of a longer URL).
  const bare = allMatches(
    text,
    /(?<![@\p{L}\p{N}.:/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,12}\/[^\s<>"'()[\]{}@]*[^\s<>"'()[\]{}@.,;:!?]/gu,
  )
    .filter(
      (match) => !full.some((url) => match.index >= url.index && match.index < url.index + url.raw.length),
    )
    .map((match) => ({ value: `https://${match[0]}`, index: match.index, raw: match[0] }));
  return [...full, ...bare].sort((left, right) => left.index - right.index);
}

export function findUuids(text: string): Found<string>[] {
  return allMatches(text, /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi).map(
    (match) => ({
      value: match[0].toLowerCase(),
      index: match.index,
      raw: match[0],
    }),
  );
}

export function findIpv4(text: string): Found<string>[] {
  return allMatches(text, /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g).map(
    (match) => ({
      value: match[0],
      index: match.index,
      raw: match[0],
    }),
  );
}

/** Phone numbers: 7 to 15 digits with the usual separators, not dates, as written. */
/**
 * The first id-like token of a value: an optional two-letter prefix (`GB`, `IE`), letters and digits
 * with `-`, `/`, `.`, and further groups of up to five capitals and digits (`GB 331 8820 14`,
 * `1Z 999 AA1 01 2345 6784`). Not a rate (`20%`), an amount or a
 * date; a bare number of one or two digits is not an identifier.
 */
export function idIn(raw: string): { value: string; index: number } | undefined {
  for (const match of raw.matchAll(
    /(?:^|[\s#:(])#?\s*((?:[A-Z]{2} (?=\d))?(?=[A-Za-z0-9/.-]*\d)[A-Za-z0-9][A-Za-z0-9/.-]*(?: (?=[A-Z0-9]*\d)[A-Z0-9]{1,5}(?![\p{L}\p{N}]))*(?: [A-Z]\b)?)(?![\p{L}\p{N}%])/gu,
  )) {
    const value = (match[1] ?? '').replace(/[.]$/u, '');
    if (value.length === 0 || /[$€£%]/u.test(value) || /^\d{1,2}$/u.test(value)) continue;
    const after = raw.slice(match.index + match[0].length);
    if (/^\s*%/u.test(after) || /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/u.test(value)) continue;
    // A year or day of a written date ("3 April 2025") is not an identifier.
    const at = match.index + match[0].indexOf(match[1] ?? '');
    if (findDates(raw).some((date) => at >= date.index && at < date.index + date.raw.length)) continue;
    return { value, index: match.index + match[0].indexOf(match[1] ?? '') };
  }
  return undefined;
}

export function findPhones(text: string): Found<string>[] {
  const found: Found<string>[] = [];
  // A phone number never runs across lines ("CA 90813\n(562) 555-0146" is a ZIP code and a phone).
  for (const match of allMatches(text, /(?<![\w.(])(?:\+|\(\+?)?\d[\d \t().-]{5,20}\d(?![\w])/g)) {
    let raw = match[0].trim();
    // "(503) 555-0199" keeps its parenthesis; an unmatched one is not part of the number.
    if (raw.startsWith('(') && !raw.includes(')')) raw = raw.slice(1);
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    if (/^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$/.test(raw) || /^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$/.test(raw)) continue;
    if (/^\d+[.,]\d+$/.test(raw)) continue;
    // A span of years ("2017 - 2021") is not a phone number.
    if (/^(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d$/u.test(raw)) continue;
    if (!/[\s().-]/.test(raw) && !raw.startsWith('+') && digits.length < 10) continue;
    found.push({ value: raw, index: match.index + match[0].indexOf(raw), raw });
  }
  return found;
}

const SCALE: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};

/** Parses `1,234.50`, `1.234,50`, `1 234`, `-3`, `12.5k`, `2 million` into a number. */
export function parseNumber(text: string): number | undefined {
  const match = /^\s*([-+−]?)\s*(\d[\d\s,.']*)\s*(k|m|mn|b|bn|thousand|million|billion)?\b/i.exec(text);
  if (match === null) return undefined;
  let digits = (match[2] ?? '').replace(/[\s']/g, '').replace(/[.,]$/, '');
  const lastComma = digits.lastIndexOf(',');
  const lastDot = digits.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    digits = lastComma > lastDot ? digits.replace(/\./g, '').replace(',', '.') : digits.replace(/,/g, '');
  } else if (lastComma >= 0) {
    const decimals = digits.length - lastComma - 1;
    digits =
      decimals === 3 || (digits.match(/,/g)?.length ?? 0) > 1
        ? digits.replace(/,/g, '')
        : digits.replace(',', '.');
  } else if ((digits.match(/\./g)?.length ?? 0) > 1) {
    digits = digits.replace(/\./g, '');
  }
  const value = Number(digits);
  if (!Number.isFinite(value)) return undefined;
  const scale = match[3] === undefined ? 1 : (SCALE[match[3].toLowerCase()] ?? 1);
  const sign = match[1] === '-' || match[1] === '−' ? -1 : 1;
  return sign * value * scale;
}

const CURRENCY =
  '(?:(?:US|CA|AU|NZ|HK|SG|C|A|S)\\$|[$€£¥₹]|usd|eur|gbp|jpy|chf|cad|aud|inr|dollars?|euros?|pounds?|dlrs)';

/**
 * An amount of money: as `parseNumber`, except that dots grouping thousands ("€ 3.400", "1.250.000")
 * are thousands, not decimals: money is not written with three decimals.
 */
function moneyNumber(text: string): number | undefined {
  const grouped = /^\s*([-−]?)\s*(\d{1,3}(?:\.\d{3})+)\s*$/u.exec(text);
  if (grouped !== null) {
    const value = Number((grouped[2] ?? '').replaceAll('.', ''));
    return grouped[1] === '' ? value : -value;
  }
  return parseNumber(text);
}

/** Amounts of money with a currency symbol or code before or after, as numbers. */
export function findMoney(text: string): Found<number>[] {
  const found: Found<number>[] = [];
  const amount =
    "[-−]?\\d[\\d,.' ]*\\d(?:\\s*(?:k|m|mn|bn|thousand|million|billion)\\b)?|[-−]?\\d(?:\\s*(?:k|m|mn|bn|thousand|million|billion)\\b)?";
  // A sign before the currency ("-£104.40" on a credit note) is the amount's; a dash after a number
  // ("£5,000-£8,000") is a range.
  for (const match of allMatches(
    text,
    new RegExp(`(?<![\\w.,])([-−]\\s?)?${CURRENCY}\\s?(${amount})`, 'giu'),
  )) {
    const parsed = moneyNumber(match[2] ?? '');
    const value = parsed !== undefined && match[1] !== undefined ? -Math.abs(parsed) : parsed;
    if (value !== undefined) found.push({ value, index: match.index, raw: match[0] });
  }
  for (const match of allMatches(
    text,
    new RegExp(`(?<![\\w$€£¥₹])(${amount})\\s?${CURRENCY}(?!\\w)`, 'giu'),
  )) {
    if (found.some((other) => Math.abs(other.index - match.index) < 4)) continue;
    const value = moneyNumber(match[1] ?? '');
    if (value !== undefined) found.push({ value, index: match.index, raw: match[0] });
  }
  return found.sort((left, right) => left.index - right.index);
}

/** Percentages (`15%`, `15 percent`) as numbers (15). */
export function findPercents(text: string): Found<number>[] {
  return allMatches(text, /([-−]?\d+(?:[.,]\d+)?)\s?(?:%|per ?cent\b|pct\b)/giu).flatMap((match) => {
    const value = parseNumber(match[1] ?? '');
    return value === undefined ? [] : [{ value, index: match.index, raw: match[0] }];
  });
}

/** Every number in the text (including inside money and percentages), in order. */
export function findNumbers(text: string): Found<number>[] {
  return allMatches(text, /(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?(?![\w])/gu).flatMap((match) => {
    const value = parseNumber(match[0]);
    return value === undefined ? [] : [{ value, index: match.index, raw: match[0] }];
  });
}

const TRUE_WORDS =
  /^(?:yes|y|true|on|enabled?|active|confirmed|paid|approved|accepted|available|checked|x|✓|✔)$/iu;
const FALSE_WORDS =
  /^(?:no|n|false|off|disabled?|inactive|none|unpaid|declined|rejected|unavailable|unchecked|n\/a)$/iu;

/** `yes`/`no`-like values as booleans. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().replace(/[.!]+$/u, '');
  if (TRUE_WORDS.test(word)) return true;
  if (FALSE_WORDS.test(word)) return false;
  return undefined;
}
