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

/** The first place the text writes a value: a string as written (any case), a number in any notation, a date in any format. */
function locate(text: string, node: SchemaNode, value: unknown): { start: number; end: number } | undefined {
  if (typeof value === 'string' && value.length > 0) {
    const at = text.toLowerCase().indexOf(value.toLowerCase());
    if (at >= 0) return { start: at, end: at + value.length };
    if (node.kind === 'string' && (node.format === 'date' || node.format === 'date-time')) {
      const date = findDates(text).find((found) => value.startsWith(found.value));
      if (date !== undefined) return { start: date.index, end: date.index + date.raw.length };
    }
    return undefined;
  }
  if (typeof value === 'number') {
    const found = [...findMoney(text), ...findPercents(text), ...findNumbers(text)].find(
      (candidate) => Math.abs(candidate.value - value) < 0.005,
    );
    return found === undefined ? undefined : { start: found.index, end: found.index + found.raw.length };
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
    const span = locate(text, node, value);
    if (span === undefined) unsupported.push(pointer);
    else evidence[pointer] = { ...span, quote: text.slice(span.start, span.end), confidence: 0.5 };
  };
  visit(plan.root, data, '');
  return { evidence, unsupported };
}
