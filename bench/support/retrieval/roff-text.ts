/**
 * Plain text from a man page's roff source (the man macros Linux man-pages uses), for the man-pages
 * collection (decision 0209). Done here rather than through groff so the text depends on the page alone,
 * not on the groff version or terminal width: requests are dropped or turned into line breaks, font and
 * size changes removed, the common named characters mapped. Tables (tbl) keep their cells, tab-separated
 * into spaces. Good enough for indexing; not a renderer.
 */

/** A page split into its NAME line (names and description) and the text of every other section. */
export interface ManPageText {
  /** The names before `\-` in the NAME section (`dup, dup2, dup3` -> three names). */
  readonly names: readonly string[];
  /** The one-line description after `\-` in the NAME section, as plain text; '' when there is none. */
  readonly description: string;
  /** Every section but NAME, headings as their own lines, paragraphs separated by blank lines. */
  readonly body: string;
}

const NAMED: Readonly<Record<string, string>> = {
  em: '—',
  en: '–',
  hy: '-',
  aq: "'",
  dq: '"',
  lq: '“',
  rq: '”',
  oq: '‘',
  cq: '’',
  bu: '•',
  co: '©',
  rg: '®',
  tm: '™',
  de: '°',
  mu: '×',
  di: '÷',
  '+-': '±',
  '<=': '≤',
  '>=': '≥',
  '!=': '≠',
  '->': '→',
  '<-': '←',
  ga: '`',
  ti: '~',
  ha: '^',
  rs: '\\',
  sl: '/',
  ba: '|',
  lh: '☜',
  rh: '☞',
  Fo: '«',
  Fc: '»',
};

/** Inline escapes of one line of roff turned into plain characters. */
export function roffInline(line: string): string {
  return (
    line
      // Font, size and colour changes, zero-width and break-control escapes: nothing.
      .replace(/\\f(?:\[[^\]]*\]|\(..|.)/gu, '')
      .replace(/\\s[+-]?(?:\[[^\]]*\]|\(..|\d+)/gu, '')
      .replace(/\\m(?:\[[^\]]*\]|\(..|.)/gu, '')
      .replace(/\\[&|^%c:)]/gu, '')
      // Named characters and strings.
      .replace(/\\\[([^\]]*)\]/gu, (_, name: string) => NAMED[name] ?? '')
      .replace(/\\\((..)/gu, (_, name: string) => NAMED[name] ?? '')
      .replace(/\\\*(?:\[([^\]]*)\]|\((..)|(.))/gu, (_, long?: string, pair?: string, one?: string) => {
        const name = long ?? pair ?? one ?? '';
        return name === 'R' ? '®' : name === 'Tm' ? '™' : name === 'lq' ? '“' : name === 'rq' ? '”' : '';
      })
      // Spaces and the minus sign; then the escaped backslash.
      .replace(/\\[ ~0]/gu, ' ')
      .replace(/\\-/gu, '-')
      .replace(/\\e/gu, '\\')
      .replace(/\\(.)/gu, '$1')
  );
}

/** Macro arguments as roff splits them: on spaces, double quotes grouping. */
function macroArguments(rest: string): string[] {
  const found: string[] = [];
  const pattern = /"((?:[^"]|"")*)"?|(\S+)/gu;
  for (let match = pattern.exec(rest); match !== null; match = pattern.exec(rest))
    found.push(match[1] !== undefined ? match[1].replace(/""/gu, '"') : (match[2] ?? ''));
  return found;
}

/** Requests that end a paragraph (a blank line in the text). */
const PARAGRAPH = new Set([
  'PP',
  'P',
  'LP',
  'TP',
  'TQ',
  'IP',
  'HP',
  'sp',
  'RS',
  'RE',
  'EX',
  'EE',
  'nf',
  'fi',
]);
/** Font macros whose arguments are text (alternating fonts joined without spaces, as roff sets them). */
const ALTERNATING = new Set(['BR', 'RB', 'BI', 'IB', 'IR', 'RI']);
const TEXT = new Set(['B', 'I', 'SM', 'SB']);

/**
 * A man page's roff source as plain text, split into the NAME line and the rest. Comments, definitions,
 * conditionals and layout requests are dropped; `.SH`/`.SS` headings become lines of their own.
 */
export function manPageText(source: string): ManPageText {
  const sections: { heading: string; lines: string[] }[] = [{ heading: '', lines: [] }];
  let skipping = false;
  let tableFormat = false;
  const current = () => sections[sections.length - 1] as { heading: string; lines: string[] };
  const paragraph = () => {
    const lines = current().lines;
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
  };
  for (const raw of source.split('\n')) {
    const line = raw.replace(/\\".*$/u, '').replace(/\s+$/u, '');
    if (skipping) {
      if (/^[.']\.\s*$/u.test(line)) skipping = false;
      continue;
    }
    if (tableFormat) {
      // A table's options and column formats, up to the line ending in '.': layout, not text.
      if (line.endsWith('.')) tableFormat = false;
      continue;
    }
    const request = /^[.']\s*([A-Za-z]\w*)\s*(.*)$/u.exec(line);
    if (request === null) {
      if (/^[.']/u.test(line)) continue;
      if (line.trim() === '') paragraph();
      else current().lines.push(roffInline(line.replace(/^T\}|T\{$/gu, '').replace(/\t/gu, ' ')));
      continue;
    }
    const name = request[1] ?? '';
    const rest = request[2] ?? '';
    if (name === 'SH' || name === 'SS') {
      const heading = roffInline(macroArguments(rest).join(' ')).trim();
      if (name === 'SH') sections.push({ heading, lines: [] });
      else {
        paragraph();
        current().lines.push(heading, '');
      }
    } else if (name === 'de' || name === 'am' || name === 'ig') skipping = true;
    else if (name === 'TS') {
      paragraph();
      tableFormat = true;
    } else if (name === 'TE') paragraph();
    else if (TEXT.has(name)) {
      const text = roffInline(macroArguments(rest).join(' '));
      if (text !== '') current().lines.push(text);
    } else if (ALTERNATING.has(name)) current().lines.push(roffInline(macroArguments(rest).join('')));
    else if (name === 'UR' || name === 'MT') current().lines.push(roffInline(rest.trim()));
    else if (name === 'TP' || name === 'IP') {
      paragraph();
      const tag = name === 'IP' ? roffInline(macroArguments(rest)[0] ?? '') : '';
      if (tag !== '') current().lines.push(tag);
    } else if (PARAGRAPH.has(name)) paragraph();
    // Anything else (.TH, .TS/.TE, .ad, .in, .ft, .if, .ds, .nh, ...) sets layout: no text of its own.
  }
  const name = sections.find((section) => section.heading.toUpperCase() === 'NAME');
  const nameLine = (name?.lines ?? []).filter((line) => line !== '').join(' ');
  const split = /^(.*?)\s+-\s+(.*)$/u.exec(nameLine);
  // Paragraphs separated by blank lines, each on one line (roff source breaks lines anywhere).
  const body = sections
    .filter((section) => section !== name)
    .flatMap((section) => [section.heading, '', ...section.lines, ''])
    .join('\n')
    .split(/\n\s*\n/u)
    .map((paragraph) => paragraph.replace(/\s+/gu, ' ').trim())
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
  return {
    names: split
      ? (split[1] ?? '')
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== '')
      : [],
    description: split ? (split[2] ?? '').replace(/\s+/gu, ' ').trim() : '',
    body,
  };
}
