import { BlockSink, tooDeep, tooManyCharacters } from './block-sink.ts';
import type { ParsedDocument } from './blocks.ts';
import { DocumentParseError } from './parse-error.ts';
import type { ParseLimits } from './parse-limits.ts';

const LONG_TEXT = 200;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * JSON as readable blocks: scalar fields become `key: value` lines, nested objects and arrays get their key
 * as a heading, long strings become paragraphs, and each element of an array of records is one block, so
 * the chunker keeps records whole. A top-level `title` or `name` string is the title. Nesting is measured
 * in one pass before `JSON.parse` builds anything, and the rendering (which repeats a record's key path
 * on every line) counts its characters as it goes, so neither depth nor path repetition can run away.
 */
export function parseJsonDocument(text: string, limits: ParseLimits): ParsedDocument {
  if (nestingDepth(text) > limits.maxNestingDepth) throw tooDeep(limits, 'JSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DocumentParseError(
      `The JSON is not valid: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const sink = new BlockSink(limits);
  render(value, 1, { sink, limits, characters: 0 });
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
  return { blocks: sink.blocks, title };
}

interface Rendering {
  readonly sink: BlockSink;
  readonly limits: ParseLimits;
  /** Characters of record lines built, before they reach the sink. */
  characters: number;
}

/** The deepest nesting of arrays and objects, strings skipped: one pass over the text, no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      for (index++; index < text.length; index++) {
        const inner = text.charCodeAt(index);
        if (inner === BACKSLASH) index++;
        else if (inner === QUOTE) break;
      }
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return deepest;
}

function render(value: unknown, depth: number, rendering: Rendering): void {
  const blocks = rendering.sink;
  if (Array.isArray(value)) {
    const scalars = value.filter(isScalar);
    if (scalars.length === value.length) {
      if (value.length > 0)
        blocks.push({ kind: 'list', text: scalars.map((item) => `- ${scalarText(item)}`).join('\n') });
      return;
    }
    for (const item of value) {
      if (isScalar(item)) blocks.push({ kind: 'paragraph', text: scalarText(item) });
      else if (Array.isArray(item)) render(item, depth + 1, rendering);
      else
        blocks.push({
          kind: 'list',
          text: recordLines(item as Record<string, unknown>, '', rendering).join('\n'),
        });
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
      render(item, depth + 1, rendering);
    }
  }
  flushFields();
}

/** A record flattened to `path: value` lines (`address.city: Oslo`). */
function recordLines(
  record: Record<string, unknown>,
  prefix: string,
  rendering: Rendering,
  lines: string[] = [],
): string[] {
  const add = (line: string) => {
    rendering.characters += line.length + 1;
    if (rendering.characters > rendering.limits.maxCharacters) throw tooManyCharacters(rendering.limits);
    lines.push(line);
  };
  for (const [key, item] of Object.entries(record)) {
    const path = `${prefix}${key}`;
    if (isScalar(item)) add(`${path}: ${scalarText(item)}`);
    else if (Array.isArray(item)) {
      if (item.every(isScalar)) add(`${path}: ${item.map(scalarText).join(', ')}`);
      else
        item.forEach((element, index) => {
          if (isScalar(element)) add(`${path}.${index}: ${scalarText(element)}`);
          else recordLines(element as Record<string, unknown>, `${path}.${index}.`, rendering, lines);
        });
    } else recordLines(item as Record<string, unknown>, `${path}.`, rendering, lines);
  }
  return lines;
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

function scalarText(value: unknown): string {
  return value === null ? 'null' : String(value);
}
