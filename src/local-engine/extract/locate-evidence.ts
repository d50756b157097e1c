import type { ExtractionEvidence } from './extract.ts';
import { findDates, findMoney, findNumbers, findPercents } from './patterns.ts';
import type { ExtractionPlan, SchemaNode } from './schema-plan.ts';

export interface LocatedEvidence {
  /** Where each located value is written in the text, by JSON Pointer. */
  readonly evidence: Record<string, ExtractionEvidence>;
  /** JSON Pointers of string and number values the text does not contain (a model's unsupported answers). */
  readonly unsupported: string[];
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The text's numbers and dates, found once per call (a schema may have many fields). */
interface Found {
  readonly lower: string;
  numbers?: ReturnType<typeof findNumbers>;
  dates?: ReturnType<typeof findDates>;
}

/** The first place the text writes a value: a string as written (any case), a number in any notation, a date in any format. */
function locate(
  text: string,
  found: Found,
  node: SchemaNode,
  value: unknown,
): { start: number; end: number } | undefined {
  if (typeof value === 'string' && value.length > 0) {
    // Lower-casing can change a string's length (İ): then only an exact match keeps offsets right.
    const at =
      found.lower.length === text.length ? found.lower.indexOf(value.toLowerCase()) : text.indexOf(value);
    if (at >= 0) return { start: at, end: at + value.length };
    if (node.kind === 'string' && (node.format === 'date' || node.format === 'date-time')) {
      found.dates ??= findDates(text);
      const date = found.dates.find((candidate) => value.startsWith(candidate.value));
      if (date !== undefined) return { start: date.index, end: date.index + date.raw.length };
    }
    return undefined;
  }
  if (typeof value === 'number') {
    found.numbers ??= [...findMoney(text), ...findPercents(text), ...findNumbers(text)];
    const number = found.numbers.find((candidate) => Math.abs(candidate.value - value) < 0.005);
    return number === undefined ? undefined : { start: number.index, end: number.index + number.raw.length };
  }
  return undefined;
}

/**
 * The evidence check for answers the local engine did not make (a model's): every string and number in
 * `data` is looked for in the text; found ones get a span (confidence 0.5: present, not proven to be the
 * field's), the others are listed as unsupported. Booleans, enums and placeholders are not checked.
 */
export function locateEvidence(
  text: string,
  plan: ExtractionPlan,
  data: Record<string, unknown>,
  missing: readonly string[] = [],
): LocatedEvidence {
  const evidence: Record<string, ExtractionEvidence> = {};
  const unsupported: string[] = [];
  const skip = new Set(missing);
  const found: Found = { lower: text.toLowerCase() };
  const visit = (node: SchemaNode, value: unknown, pointer: string) => {
    if (skip.has(pointer) || value === null || value === undefined) return;
    if (node.kind === 'object' && typeof value === 'object' && !Array.isArray(value)) {
      for (const property of node.properties)
        visit(
          property.node,
          (value as Record<string, unknown>)[property.name],
          `${pointer}/${escapeSegment(property.name)}`,
        );
      return;
    }
    if (node.kind === 'array' && Array.isArray(value)) {
      value.forEach((item, index) => {
        visit(node.items, item, `${pointer}/${index}`);
      });
      return;
    }
    if (node.kind !== 'string' && node.kind !== 'number' && node.kind !== 'integer') return;
    const span = locate(text, found, node, value);
    if (span === undefined) unsupported.push(pointer);
    else evidence[pointer] = { ...span, quote: text.slice(span.start, span.end), confidence: 0.5 };
  };
  visit(plan.root, data, '');
  return { evidence, unsupported };
}
