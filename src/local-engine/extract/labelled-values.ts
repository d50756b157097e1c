/** A `Label: value` (or `Label = value`) pair found in the text, with where the value starts. */
export interface LabelledValue {
  readonly label: string;
  readonly value: string;
  readonly index: number;
}

const SEGMENT_BREAK = /(?<=[.!?])\s+(?=[A-Z])|\s*[|\t]\s*|\s{3,}/u;

/**
 * `Label: value` pairs, one or more per line. A line is cut into segments at sentence ends, pipes,
 * tabs and wide gaps; in each, the text before the first `: ` or ` = ` (at most six words,
 * not a URL scheme or a clock time) is the label and the rest of the segment is its value.
 */
export function labelledValues(text: string): LabelledValue[] {
  const pairs: LabelledValue[] = [];
  let offset = 0;
  for (const line of text.split(/\r?\n/u)) {
    let cursor = 0;
    for (const segment of line.split(SEGMENT_BREAK)) {
      const start = line.indexOf(segment, cursor);
      cursor = start + segment.length;
      const match = /^\s*(?:[-*•]\s*)?([^:=]{1,60}?)\s*(?::(?!\/\/|\d)|\s=)\s*(.*)$/u.exec(segment);
      if (match === null) continue;
      const label = (match[1] ?? '').trim();
      const value = (match[2] ?? '').trim();
      const words = label.split(/\s+/u).length;
      if (label.length === 0 || words > 6 || !/\p{L}/u.test(label)) continue;
      const valueIndex = offset + start + segment.length - (match[2] ?? '').length;
      pairs.push({ label, value: value.replace(/[.;,]+$/u, ''), index: valueIndex });
    }
    offset += line.length + 1;
  }
  return pairs;
}
