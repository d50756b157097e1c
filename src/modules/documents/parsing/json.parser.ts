import type { Block, ParsedDocument } from './blocks.ts';
import { DocumentParseError } from './parse-error.ts';

const LONG_TEXT = 200;
const MAX_DEPTH = 32;

/**
 * JSON as readable blocks: scalar fields become `key: value` lines, nested objects and arrays get their key
 * as a heading, long strings become paragraphs, and each element of an array of records is one block, so
 * the chunker keeps records whole. A top-level `title` or `name` string is the title.
 */
export function parseJsonDocument(text: string): ParsedDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DocumentParseError(
      `The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const blocks: Block[] = [];
  render(value, 1, blocks);
  const record =
    value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const title =
    typeof record?.title === 'string'
      ? record.title
      : typeof record?.name === 'string'
        ? record.name
        : undefined;
  return { blocks, title };
}

function render(value: unknown, depth: number, blocks: Block[]): void {
  if (depth > MAX_DEPTH) throw new DocumentParseError(`The JSON is nested deeper than ${MAX_DEPTH} levels.`);
  if (Array.isArray(value)) {
    const scalars = value.filter(isScalar);
    if (scalars.length === value.length) {
      if (value.length > 0)
        blocks.push({ kind: 'list', text: scalars.map((item) => `- ${scalarText(item)}`).join('\n') });
      return;
    }
    for (const item of value) {
      if (isScalar(item)) blocks.push({ kind: 'paragraph', text: scalarText(item) });
      else if (Array.isArray(item)) render(item, depth + 1, blocks);
      else blocks.push({ kind: 'list', text: recordLines(item as Record<string, unknown>, '').join('\n') });
    }
    return;
  }
  if (!value || typeof value !== 'object') {
    blocks.push({ kind: 'paragraph', text: scalarText(value) });
    return;
  }
  const fields: string[] = [];
  const flushFields = () => {
    if (fields.length > 0) blocks.push({ kind: 'list', text: fields.splice(0).join('\n') });
  };
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string' && item.length > LONG_TEXT) {
      flushFields();
      blocks.push({ kind: 'heading', level: Math.min(6, depth), text: key });
      for (const paragraph of item.split(/\n\s*\n/)) blocks.push({ kind: 'paragraph', text: paragraph });
    } else if (isScalar(item)) {
      fields.push(`${key}: ${scalarText(item)}`);
    } else {
      flushFields();
      blocks.push({ kind: 'heading', level: Math.min(6, depth), text: key });
      render(item, depth + 1, blocks);
    }
  }
  flushFields();
}

/** A record flattened to `path: value` lines (`address.city: Oslo`). */
function recordLines(record: Record<string, unknown>, prefix: string, depth = 0): string[] {
  if (depth > MAX_DEPTH) throw new DocumentParseError(`The JSON is nested deeper than ${MAX_DEPTH} levels.`);
  return Object.entries(record).flatMap(([key, item]) => {
    const path = `${prefix}${key}`;
    if (isScalar(item)) return [`${path}: ${scalarText(item)}`];
    if (Array.isArray(item)) {
      return item.every(isScalar)
        ? [`${path}: ${item.map(scalarText).join(', ')}`]
        : item.flatMap((element, index) =>
            isScalar(element)
              ? [`${path}.${index}: ${scalarText(element)}`]
              : recordLines(element as Record<string, unknown>, `${path}.${index}.`, depth + 1),
          );
    }
    return recordLines(item as Record<string, unknown>, `${path}.`, depth + 1);
  });
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function scalarText(value: unknown): string {
  return value === null ? 'null' : String(value);
}
