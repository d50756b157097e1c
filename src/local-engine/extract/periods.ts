/** Periodic amounts: a `monthly_fee` is an amount stated per month. */

const PERIODS: Readonly<Record<string, RegExp>> = {
  month:
    /\b(?:monthly|per[ \t]+(?:calendar[ \t]+)?month|a[ \t]+month|each[ \t]+month|every[ \t]+month|pcm|p\.c\.m\.?|monatlich(?:e[nrs]?)?|pro[ \t]+monat|mensile|mensuel(?:le)?|par[ \t]+mois|mensual|por[ \t]+mes|al[ \t]+mese|maandelijks|per[ \t]+maand|månadsvis|per[ \t]+månad)\b|\/[ \t]?(?:month|mo)\b/giu,
  year: /\b(?:annual|annually|yearly|per[ \t]+(?:year|annum)|a[ \t]+year|each[ \t]+year|p\.a\.?)(?![\p{L}])|\/[ \t]?(?:year|yr)\b/giu,
  week: /\b(?:weekly|per[ \t]+week|a[ \t]+week|each[ \t]+week)\b|\/[ \t]?(?:week|wk)\b/giu,
  day: /\b(?:daily|per[ \t]+day|a[ \t]+day|each[ \t]+day)\b|\/[ \t]?day\b/giu,
  hour: /\b(?:hourly|per[ \t]+hour|an[ \t]+hour|each[ \t]+hour)\b|\/[ \t]?(?:hour|hr|h)\b/giu,
};

/** The period a field's name states (`monthly_fee`, `rent_per_month`, `annual_salary`), if any. */
export function periodOf(words: readonly string[]): string | undefined {
  const per = words.includes('per');
  if (words.includes('monthly') || (per && words.includes('month'))) return 'month';
  if (
    words.some((word) => ['annual', 'yearly', 'annually', 'annum'].includes(word)) ||
    (per && words.includes('year'))
  )
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
  if (oneOff(text, start)) return false;
  let lineStart = text.lastIndexOf('\n', start - 1) + 1;
  // A sentence wrapped onto this line ("a monthly service charge\nof £1,980"): its start is on the line before.
  if (lineStart > 0 && /^[ \t]*\p{Ll}/u.test(text.slice(lineStart)))
    lineStart = text.lastIndexOf('\n', lineStart - 2) + 1;
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

/**
 * Whether the clause just before an amount says it is paid once: "a one-off onboarding charge of £2,500
 * and a monthly service charge of £1,980": £2,500 is no monthly fee, whatever period follows it.
 */
function oneOff(text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 50), start);
  const clause = before.split(/[,;.:!?]\s|\band\b|\bplus\b|\n\s*\n/u).at(-1) ?? '';
  return /\b(?:one[- ]?off|one[- ]?time|once|set[- ]?up|installation|onboarding|joining|initial)\b/iu.test(
    clause,
  );
}
