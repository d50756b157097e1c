import { partyNamed, phraseWords, roleOf } from './field-words.ts';

/** A `Label: value` (or `Label = value`) pair found in the text, with where the value starts. */
export interface LabelledValue {
  readonly label: string;
  readonly value: string;
  readonly index: number;
}

// A sentence end, but not an abbreviation ("Total excl. VAT: ...", "Tel. 0161 ..."); a wide gap, but not
// the padding after a label's colon ("Client :        Gemeente Zandvoort"); the first full stop of a
// labelled value before the next "Label: " ("Customer: Acme Corp. Total: $1,250.00").
const SEGMENT_BREAK =
  /(?<=[.!?])(?<!\b\p{Lu}\.)(?<!\b(?:[Ee]xcl|[Ii]ncl|No|Nr|Ltd|Inc|Co|Pte|Pvt|Corp|Bros|Mr|Mrs|Ms|Dr|St|[Aa]pprox|Ref|Tel|[Vv]s|[Ee]\.g|[Ii]\.e|[Aa]ttn)\.)\s+(?=[A-Z])|\s*[|\t]\s*|(?<![:\s])\s{3,}|(?<=:[ \t][^:.!?\n]*[.!?])\s+(?=\p{Lu}[\p{L}\p{N} ]{0,30}:\s)/u;

/** A value without its closing punctuation, but with the dot of a legal form ("Acme, Inc."). */
function withoutTrailingPunctuation(value: string): string {
  return value.replace(/(?<!\b(?:Inc|Ltd|Co|Corp|plc|LLC|S\.A|B\.V|S\.p\.A|S\.r\.l))[.;,]+$/u, '');
}

/**
 * `Label: value` pairs, one or more per line. A line is cut into segments at sentence ends, pipes,
 * tabs and wide gaps; in each, the text before the first `: ` or ` = ` (at most six words,
 * not a URL scheme or a clock time) is the label and the rest of the segment is its value.
 */
export function labelledValues(source: string): LabelledValue[] {
  // Markdown emphasis (`**From:** Acme`) is blanked, keeping every offset.
  const text = source.replace(/\*\*|__/gu, '  ');
  const pairs: LabelledValue[] = [];
  let offset = 0;
  const lines = text.split(/\r?\n/u);
  for (const [lineNumber, line] of lines.entries()) {
    // A two-cell table row (`| Total due | £948.00 |`) is a label and its value.
    const row = /^\s*\|?\s*([^|:]*\p{L}[^|:]*?)\s*\|\s*([^|]*?\S)\s*\|?\s*$/u.exec(line);
    if (row !== null && !/^[\s|:-]+$/u.test(line) && (row[1] ?? '').split(/\s+/u).length <= 6) {
      const value = row[2] ?? '';
      pairs.push({ label: (row[1] ?? '').trim(), value, index: offset + line.lastIndexOf(value) });
      offset += line.length + 1;
      continue;
    }
    // `VENDOR:        SHIP TO:` over two columns: each label names the cell of the next line under it.
    const headers = columnHeaders(line);
    const below = lines[lineNumber + 1];
    if (headers !== undefined && below !== undefined) {
      const belowStart = offset + line.length + 1;
      for (const cell of columnCells(below)) {
        const header = headers.findLast((candidate) => candidate.column <= cell.column + 2);
        if (header === undefined || Math.abs(header.column - cell.column) > 6) continue;
        pairs.push({
          label: header.label,
          value: withoutTrailingPunctuation(cell.value),
          index: belowStart + cell.column,
        });
      }
      offset += line.length + 1;
      continue;
    }
    // `Cliente / Customer`, `BILLED TO`, `Supplier` alone on a line, without a colon: a party heading whose
    // next line is the party's name (a short capitalised line, not a sentence).
    const heading = line.trim();
    const nextLine = lines[lineNumber + 1]?.trim() ?? '';
    if (
      /^\p{L}[\p{L} &'’/.-]{0,40}$/u.test(heading) &&
      !/\s{2,}/u.test(heading) &&
      heading.split(/\s+/u).length <= 4 &&
      partyNamed(phraseWords(heading)) !== undefined &&
      /^\p{Lu}/u.test(nextLine) &&
      !nextLine.includes(':') &&
      nextLine.split(/\s+/u).length <= 8 &&
      !/[!?]$|(?<!\b(?:Inc|Ltd|Co|Corp|plc|LLC|S\.A|B\.V|N\.V|S\.L|Lda))\.$/u.test(nextLine)
    ) {
      const next = lines[lineNumber + 1] ?? '';
      pairs.push({
        label: heading,
        value: withoutTrailingPunctuation(nextLine),
        index: offset + line.length + 1 + next.indexOf(nextLine),
      });
    }
    // `Bill to:` alone on its line labels the next line.
    const bare = /^\s*([\p{L}][\p{L} &'’/.-]{0,30}):\s*$/u.exec(line);
    const next = lines[lineNumber + 1];
    if (bare !== null && next !== undefined && next.trim().length > 0) {
      const value = withoutTrailingPunctuation(next.trim());
      pairs.push({
        label: (bare[1] ?? '').trim(),
        value,
        index: offset + line.length + 1 + next.indexOf(next.trim()),
      });
    }
    // `Total due        £948.00`: a label and a value (with a digit) set apart by a wide gap, alone on a line.
    const cells = line.trim().split(/\s{2,}/u);
    if (
      cells.length === 2 &&
      !line.includes(':') &&
      /^\p{L}[^\d]*$/u.test(cells[0] ?? '') &&
      (cells[0] ?? '').split(/\s+/u).length <= 6 &&
      /\d/u.test(cells[1] ?? '')
    ) {
      const value = cells[1] ?? '';
      pairs.push({ label: cells[0] ?? '', value, index: offset + line.lastIndexOf(value) });
    }
    // `Buyer          Helvetic Insurance Ltd` in a block of such lines: a key, a column gap, its value.
    if (
      cells.length === 2 &&
      !line.includes(':') &&
      /^\p{L}[\p{L} .#/]*$/u.test(cells[0] ?? '') &&
      (cells[0] ?? '').split(/\s+/u).length <= 3 &&
      /[ \t]{3,}/u.test(line.trim()) &&
      !/\d/u.test(cells[1] ?? '') &&
      !/^[\p{Lu} &]+$/u.test(cells[1] ?? '') &&
      // "Billed by        Billed to": a header row of two party headings, not a key and its value.
      roleOf(phraseWords(cells[1] ?? '')) === undefined &&
      [lines[lineNumber - 1], lines[lineNumber + 1]].some((other) => keyValueLine(other))
    ) {
      const value = withoutTrailingPunctuation(cells[1] ?? '');
      pairs.push({ label: cells[0] ?? '', value, index: offset + line.lastIndexOf(cells[1] ?? '') });
    }
    let cursor = 0;
    for (const segment of line.split(SEGMENT_BREAK)) {
      const start = line.indexOf(segment, cursor);
      cursor = start + segment.length;
      // `Customer ........ Ardmore Ltd`: a run of dots (a form's leader) separates a label from its value.
      const match =
        /^\s*(?:[-*•]\s*)?([^:=]{1,60}?)\s*(?::(?!\/\/|\d)|\s=)\s*(.*)$/u.exec(segment) ??
        /^\s*(?:[-*•]\s*)?([^:=.]{1,60}?)\s*\.{3,}\s*(.*)$/u.exec(segment) ??
        // `po_number=PO-88417`: a configuration-style key and its value.
        /^\s*([A-Za-z][A-Za-z0-9_.-]{0,40})=(?!=)\s*(.*)$/u.exec(segment);
      if (match === null) continue;
      const label = (match[1] ?? '').trim();
      const value = (match[2] ?? '').trim();
      // "VENDOR:    SHIP TO:": a value that is itself a bare label is no value.
      if (value.length === 0 || /^[\p{L}][\p{L} &'’/.#-]{0,30}:$/u.test(value)) continue;
      const words = label.split(/\s+/u).length;
      if (label.length === 0 || words > 6 || !/\p{L}/u.test(label)) continue;
      const valueIndex = offset + start + segment.length - (match[2] ?? '').length;
      pairs.push({ label, value: withoutTrailingPunctuation(value), index: valueIndex });
    }
    offset += line.length + 1;
  }
  return pairs
    .map((pair) => ({ ...pair, label: headerLabel(text, pair) }))
    .map((pair) => (sentDate(text, pair) ? { ...pair, label: 'Sent date' } : pair));
}

/** A line of two or more bare labels set apart by column gaps (`VENDOR:        SHIP TO:`), with their columns. */
function columnHeaders(line: string): { label: string; column: number }[] | undefined {
  const cells = columnCells(line);
  if (cells.length < 2 || !cells.every((cell) => /^[\p{L}][\p{L} &'’/.#-]{0,30}:$/u.test(cell.value)))
    return undefined;
  return cells.map((cell) => ({ label: cell.value.slice(0, -1).trim(), column: cell.column }));
}

/** The cells of a line cut at gaps of three or more spaces (or tabs), with the column each starts at. */
function columnCells(line: string): { value: string; column: number }[] {
  return [...line.matchAll(/\S+(?:[ ]{1,2}\S+)*/gu)].map((match) => ({
    value: match[0],
    column: match.index,
  }));
}

/** A line of a key/value block: a short key, a column gap, a value (`PO Date        2025-09-02`). */
function keyValueLine(line: string | undefined): boolean {
  if (line === undefined) return false;
  const cells = line.trim().split(/[ \t]{3,}/u);
  return (
    cells.length === 2 &&
    /^\p{L}[\p{L} .#/]*$/u.test(cells[0] ?? '') &&
    (cells[0] ?? '').split(/\s+/u).length <= 3
  );
}

const HEADER = /^\s*(?:from|to|cc|subject|sent)\s*:/imu;

/** E-mail header names in French, German, Dutch, Spanish, Italian, Portuguese and Swedish, by their English name. */
const HEADER_NAMES: Readonly<Record<string, string>> = {
  de: 'From',
  von: 'From',
  van: 'From',
  da: 'From',
  från: 'From',
  à: 'To',
  a: 'To',
  an: 'To',
  aan: 'To',
  para: 'To',
  till: 'To',
  objet: 'Subject',
  betreff: 'Subject',
  onderwerp: 'Subject',
  asunto: 'Subject',
  oggetto: 'Subject',
  assunto: 'Subject',
  ämne: 'Subject',
  envoyé: 'Sent',
  gesendet: 'Sent',
  verzonden: 'Sent',
  enviado: 'Sent',
  inviato: 'Sent',
  skickat: 'Sent',
};

/**
 * A header's label in English when the pair is one line of a block of e-mail headers in another language
 * (`De : Sophie Lambert <...>` above `Objet : ...`): a lone "De:" or "A:" elsewhere is left as written.
 */
function headerLabel(text: string, pair: LabelledValue): string {
  const name = HEADER_NAMES[pair.label.trim().toLowerCase()];
  if (name === undefined) return pair.label;
  const lineStart = text.lastIndexOf('\n', pair.index - 1) + 1;
  const lineEnd = text.indexOf('\n', pair.index);
  const around = [
    ...text
      .slice(Math.max(0, lineStart - 300), lineStart)
      .split('\n')
      .slice(-4, -1),
    ...(lineEnd === -1
      ? []
      : text
          .slice(lineEnd + 1)
          .split('\n')
          .slice(0, 3)),
  ];
  const header = (line: string) => {
    const label = /^\s*([\p{L}]+)\s*:/u.exec(line)?.[1]?.toLowerCase();
    return (
      label !== undefined &&
      (HEADER_NAMES[label] !== undefined || /^(?:from|to|cc|subject|sent|date)$/u.test(label))
    );
  };
  return around.filter(header).length >= 2 ? name : pair.label;
}

/**
 * Whether a `Date:` pair is an e-mail header's (a `From:`, `To:` or `Subject:` line within two lines of
 * it): the day a message was sent, not the date of the invoice or meeting it carries.
 */
function sentDate(text: string, pair: LabelledValue): boolean {
  if (!/^date$/iu.test(pair.label.trim())) return false;
  const lineStart = text.lastIndexOf('\n', pair.index - 1) + 1;
  const around = text.slice(0, lineStart).split('\n').slice(-3, -1);
  const lineEnd = text.indexOf('\n', pair.index);
  const after =
    lineEnd === -1
      ? []
      : text
          .slice(lineEnd + 1)
          .split('\n')
          .slice(0, 2);
  return [...around, ...after].some((line) => HEADER.test(line));
}
