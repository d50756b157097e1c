import { sharedLocalEmbedder } from '../embedding/local-embedder.ts';
import { ensureTextWithinLimit } from '../guards.ts';
import type { LocalEngineOptions } from '../options.ts';
import { type EngineProvenance, provenance } from '../provenance.ts';
import { valueInQuote } from './evidence-check.ts';
import { type Context, type Extracted, issuerOf, MIN_CONFIDENCE, type Span } from './extraction-context.ts';
import { extractArray, extractScalar } from './field-extractors.ts';
import { conflicts, fieldTerms } from './field-words.ts';
import { violations } from './json-schema-validator.ts';
import { labelledValues } from './labelled-values.ts';
import { periodOf, statedForPeriod } from './periods.ts';
import {
  compileExtractionSchema,
  type ExtractionPlan,
  type ObjectNode,
  type SchemaNode,
} from './schema-plan.ts';

export interface ExtractRequest {
  readonly text: string;
  /** A JSON Schema object (see `compileExtractionSchema` for the supported subset), or a compiled plan. */
  readonly schema: unknown;
}

/** Where an extracted value was read: `text.slice(start, end) === quote`, and how sure the engine is. */
export interface ExtractionEvidence {
  readonly start: number;
  readonly end: number;
  readonly quote: string;
  /** 0..1; values under 0.5 are not returned (their field is missing instead). */
  readonly confidence: number;
}

export interface ExtractionResult extends EngineProvenance {
  /** Always valid against the schema. */
  readonly data: Record<string, unknown>;
  /**
   * JSON Pointers of required fields that were not found. Each holds its placeholder in `data` (null
   * when nullable, else its `default`, else the type's empty value: "", 0, false, [], the first enum value).
   */
  readonly missing: string[];
  /** The evidence of every value returned, by the JSON Pointer of the value (array items by index). */
  readonly evidence: Record<string, ExtractionEvidence>;
}

interface Walk {
  readonly missing: string[];
}

function pointerOf(path: readonly string[]): string {
  return path.map((segment) => `/${segment.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A scalar whose evidence is weak, or does not hold the value, is not an answer. */
function supported(context: Context, node: SchemaNode, extracted: Extracted): Extracted {
  if (extracted === undefined) return undefined;
  const span = extracted.spans.get('');
  if (span === undefined) return undefined;
  const quote = context.text.slice(span.start, span.end);
  // 03/02/2025 is 3 February or 2 March: which one the text does not say, so it is no answer.
  const confidence = ambiguousDate(node, quote) ? Math.min(span.confidence, 0.4) : span.confidence;
  if (confidence < MIN_CONFIDENCE) return undefined;
  if (node.kind === 'number' || node.kind === 'integer') {
    const period = periodOf(fieldTerms(node.path, node.schema.title).name);
    if (period !== undefined && !statedForPeriod(context.text, span.start, span.end, period))
      return undefined;
  }
  return valueInQuote(node, extracted.value, quote) ? extracted : undefined;
}

function ambiguousDate(node: SchemaNode, quote: string): boolean {
  if (node.kind !== 'string' || (node.format !== 'date' && node.format !== 'date-time')) return false;
  const match = /\b(\d{1,2})([/-])(\d{1,2})\2\d{2,4}\b/u.exec(quote);
  return match !== null && Number(match[1]) <= 12 && Number(match[3]) <= 12 && match[1] !== match[3];
}

async function extractNode(context: Context, node: SchemaNode, walk: Walk): Promise<Extracted> {
  context.signal?.throwIfAborted();
  const terms = fieldTerms(node.path, node.schema.title);
  switch (node.kind) {
    case 'object': {
      const value: Record<string, unknown> = {};
      const spans = new Map<string, Span>();
      let found = 0;
      const missingHere: string[] = [];
      for (const property of node.properties) {
        const child = await extractNode(context, property.node, walk);
        if (child !== undefined && violations(property.node.schema, child.value).length === 0) {
          value[property.name] = child.value;
          for (const [pointer, span] of child.spans)
            spans.set(`/${escapeSegment(property.name)}${pointer}`, span);
          found++;
        } else if (property.required) {
          value[property.name] = property.node.placeholder?.value;
          missingHere.push(pointerOf(property.node.path));
        }
      }
      if (found === 0 && node.path.length > 0) return undefined;
      for (const name of oneReadingPerSpan(node, spans)) {
        delete value[name];
        spans.delete(`/${escapeSegment(name)}`);
        const property = node.properties.find((candidate) => candidate.name === name);
        if (property?.required) {
          value[name] = property.node.placeholder?.value;
          missingHere.push(pointerOf(property.node.path));
        }
      }
      walk.missing.push(...missingHere);
      return { value, spans };
    }
    case 'array': {
      const extracted = await extractArray(context, node, terms);
      if (extracted === undefined || !Array.isArray(extracted.value)) return undefined;
      const kept = extracted.value.flatMap((item, index) => {
        const span = extracted.spans.get(`/${index}`);
        return span !== undefined &&
          span.confidence >= MIN_CONFIDENCE &&
          valueInQuote(node.items, item, context.text.slice(span.start, span.end))
          ? [{ item, span }]
          : [];
      });
      if (kept.length === 0 || kept.length < node.minItems) return undefined;
      return {
        value: kept.map((entry) => entry.item),
        spans: new Map(kept.map((entry, index) => [`/${index}`, entry.span])),
      };
    }
    default: {
      const extracted = supported(context, node, await extractScalar(context, node, terms, false));
      if (extracted === undefined) return undefined;
      if (
        node.kind === 'string' &&
        typeof extracted.value === 'string' &&
        typeof node.schema.maxLength === 'number'
      ) {
        return { ...extracted, value: [...extracted.value].slice(0, node.schema.maxLength).join('') };
      }
      return extracted;
    }
  }
}

/**
 * The scalar properties to drop because a property of another role or qualifier was read from the very
 * same span: one quote cannot be both the vendor and the customer, the invoice and the PO number, the
 * subtotal and the total. The more confident reading stays; of two equally confident ones, neither does.
 */
export function oneReadingPerSpan(node: ObjectNode, spans: ReadonlyMap<string, Span>): string[] {
  const bySpan = new Map<string, { name: string; confidence: number }[]>();
  for (const property of node.properties) {
    if (property.node.kind === 'object' || property.node.kind === 'array') continue;
    const span = spans.get(`/${escapeSegment(property.name)}`);
    if (span === undefined) continue;
    const key = `${span.start}:${span.end}`;
    bySpan.set(key, [...(bySpan.get(key) ?? []), { name: property.name, confidence: span.confidence }]);
  }
  const dropped = new Set<string>();
  const termsOf = (name: string) => fieldTerms([...node.path, name], undefined);
  for (const readings of bySpan.values()) {
    for (const [index, left] of readings.entries()) {
      for (const right of readings.slice(index + 1)) {
        // Fields that may share a value (`company` and `organisation`) both keep it.
        const [leftTerms, rightTerms] = [termsOf(left.name), termsOf(right.name)];
        if (!conflicts(leftTerms.name, rightTerms) && !conflicts(rightTerms.name, leftTerms)) continue;
        if (left.confidence <= right.confidence) dropped.add(left.name);
        if (right.confidence <= left.confidence) dropped.add(right.name);
      }
    }
  }
  return [...dropped];
}

/** Deletes the property at a path of object keys (a value inside an array is left to its parent). */
function removeAt(data: Record<string, unknown>, path: readonly string[]): void {
  let cursor: unknown = data;
  for (const segment of path.slice(0, -1)) {
    if (typeof cursor !== 'object' || cursor === null) return;
    cursor = (cursor as Record<string, unknown>)[segment];
  }
  if (typeof cursor === 'object' && cursor !== null && !Array.isArray(cursor))
    delete (cursor as Record<string, unknown>)[path.at(-1) ?? ''];
}

/**
 * Fills a JSON Schema from text with type- and name-aware extractors: `Label: value` pairs matched to
 * field names, then typed patterns (e-mails, URLs, phones, dates, money, percentages, numbers,
 * booleans, enum values, companies, names) near a mention of the field. The result always validates:
 * any value that fails its subschema is dropped, and required fields not found get their placeholder and
 * are listed in `missing`.
 */
export async function extract(
  request: ExtractRequest,
  options: LocalEngineOptions = {},
): Promise<ExtractionResult> {
  ensureTextWithinLimit(request.text);
  const plan: ExtractionPlan = isPlan(request.schema)
    ? request.schema
    : compileExtractionSchema(request.schema);
  options.signal?.throwIfAborted();
  const context: Context = {
    text: request.text,
    pairs: labelledValues(request.text),
    claimed: new Set(),
    embedder: options.embedder === null ? undefined : (options.embedder ?? sharedLocalEmbedder()),
    signal: options.signal,
    issuer: issuerOf(request.text),
    usedEmbeddings: false,
  };
  const walk: Walk = { missing: [] };
  const extracted = await extractNode(context, plan.root, walk);
  const spans = extracted?.spans ?? new Map<string, Span>();
  let data = (extracted?.value ?? plan.root.placeholder?.value ?? {}) as Record<string, unknown>;
  let missing = walk.missing;
  // Belt and braces: whatever still fails (a cross-field constraint) is removed or reset to its placeholder.
  for (let attempt = 0; attempt < 20; attempt++) {
    const problems = violations(plan.schema, data);
    if (problems.length === 0) break;
    for (const problem of problems) {
      const path = problem.instancePath
        .split('/')
        .slice(1)
        .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
      if (path.length === 0 || attempt === 19) {
        data = plan.root.placeholder?.value as Record<string, unknown>;
        missing = requiredPointers(plan.root);
        break;
      }
      removeAt(data, path);
    }
    const refilled = fillRequired(plan.root, data);
    missing = [...new Set([...missing, ...refilled])];
  }
  return {
    ...provenance(context.usedEmbeddings ? context.embedder?.modelId : undefined, 'rules'),
    data,
    missing,
    evidence: evidenceOf(request.text, data, missing, spans),
  };
}

/** The evidence of the values still in `data` (a value removed or reset to a placeholder has none). */
function evidenceOf(
  text: string,
  data: Record<string, unknown>,
  missing: readonly string[],
  spans: ReadonlyMap<string, Span>,
): Record<string, ExtractionEvidence> {
  const evidence: Record<string, ExtractionEvidence> = {};
  const absent = new Set(missing);
  for (const [pointer, span] of spans) {
    if (absent.has(pointer) || valueAt(data, pointer) === undefined) continue;
    evidence[pointer] = {
      start: span.start,
      end: span.end,
      quote: text.slice(span.start, span.end),
      confidence: Math.round(Math.min(1, span.confidence) * 100) / 100,
    };
  }
  return evidence;
}

function valueAt(data: unknown, pointer: string): unknown {
  let cursor = data;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof cursor !== 'object' || cursor === null) return undefined;
    cursor = (cursor as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return cursor;
}

function isPlan(value: unknown): value is ExtractionPlan {
  return (
    typeof value === 'object' &&
    value !== null &&
    'root' in value &&
    'schema' in value &&
    (value as ExtractionPlan).root?.kind === 'object'
  );
}

function requiredPointers(node: ObjectNode): string[] {
  return node.properties
    .filter((property) => property.required)
    .map((property) => pointerOf(property.node.path));
}

/** Puts placeholders back where a required property is absent; returns their pointers. */
function fillRequired(node: ObjectNode, value: Record<string, unknown>): string[] {
  const filled: string[] = [];
  for (const property of node.properties) {
    const current = value[property.name];
    if (current === undefined) {
      if (property.required) {
        value[property.name] = property.node.placeholder?.value;
        filled.push(pointerOf(property.node.path));
      }
    } else if (
      property.node.kind === 'object' &&
      typeof current === 'object' &&
      current !== null &&
      !Array.isArray(current)
    ) {
      filled.push(...fillRequired(property.node, current as Record<string, unknown>));
    }
  }
  return filled;
}
