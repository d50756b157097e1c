import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Embedder, extract } from '../../src/local-engine/index.ts';
import { benchSchemaValidator } from './schema-validator.ts';

export const EXTRACTION_SAMPLE = path.resolve(
  import.meta.dirname,
  '../../test/fixtures/local-engine/extraction-sample.json',
);

interface Sample {
  readonly schemas: Record<string, object>;
  readonly documents: readonly {
    readonly id: string;
    readonly split: 'dev' | 'heldout' | 'fresh';
    readonly schema: string;
    readonly text: string;
    readonly expected: Record<string, unknown>;
  }[];
}

export interface FieldFigures {
  readonly extracted: number;
  readonly correct: number;
  readonly gold: number;
  readonly precision: number;
  readonly recall: number;
}

export interface ExtractionReport {
  readonly documents: number;
  readonly schemaValid: number;
  readonly schemaValidShare: number;
  readonly all: FieldFigures;
  readonly dev: FieldFigures;
  readonly heldout: FieldFigures;
  /** Written after the extractors were final and scored once: the honest estimate. */
  readonly fresh: FieldFigures;
  readonly byField: Record<string, FieldFigures>;
  readonly errors: readonly {
    readonly id: string;
    readonly field: string;
    readonly expected: unknown;
    readonly got: unknown;
  }[];
}

function normaliseString(value: string): string {
  return value
    .toLowerCase()
    .replace(/[\s,.;:!?]+$/u, '')
    .replace(/^(?:the|a|an)\s+/u, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Field equality: numbers within a cent, strings case- and article-insensitive, phones by digits, arrays as sets. */
export function sameValue(field: string, expected: unknown, got: unknown): boolean {
  if (Array.isArray(expected) && Array.isArray(got)) {
    const left = new Set(expected.map((item) => normaliseString(String(item))));
    const right = new Set(got.map((item) => normaliseString(String(item))));
    return left.size === right.size && [...left].every((item) => right.has(item));
  }
  if (typeof expected === 'number' && typeof got === 'number') return Math.abs(expected - got) < 0.005;
  if (typeof expected === 'string' && typeof got === 'string') {
    if (/phone/.test(field)) return expected.replace(/\D/g, '') === got.replace(/\D/g, '');
    return normaliseString(expected) === normaliseString(got);
  }
  return expected === got;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function summarise(counts: { extracted: number; correct: number; gold: number }): FieldFigures {
  return {
    ...counts,
    precision: ratio(counts.correct, counts.extracted),
    recall: ratio(counts.correct, counts.gold),
  };
}

/**
 * Q4 on the labelled sample: every output is validated by an Ajv instance of its own (not the engine's),
 * and each top-level field is compared with the gold value. A field counts as extracted when it is in
 * `data` and not listed in `missing` (placeholders are not answers).
 */
export async function measureExtraction(embedder: Embedder): Promise<ExtractionReport> {
  const sample = JSON.parse(await readFile(EXTRACTION_SAMPLE, 'utf8')) as Sample;
  const ajv = benchSchemaValidator();

  const totals = {
    all: { extracted: 0, correct: 0, gold: 0 },
    dev: { extracted: 0, correct: 0, gold: 0 },
    heldout: { extracted: 0, correct: 0, gold: 0 },
    fresh: { extracted: 0, correct: 0, gold: 0 },
  };
  const byField = new Map<string, { extracted: number; correct: number; gold: number }>();
  const errors: { id: string; field: string; expected: unknown; got: unknown }[] = [];
  let schemaValid = 0;
  for (const document of sample.documents) {
    const schema = sample.schemas[document.schema] ?? {};
    const result = await extract({ text: document.text, schema }, { embedder });
    if (ajv.compile(schema)(result.data)) schemaValid++;
    const missing = new Set(result.missing);
    const fields = new Set([
      ...Object.keys(document.expected),
      ...Object.keys(result.data).filter((field) => !missing.has(`/${field}`)),
    ]);
    for (const field of fields) {
      const expected = document.expected[field];
      const got = missing.has(`/${field}`) ? undefined : result.data[field];
      const key = `${document.schema}.${field}`;
      const counts = byField.get(key) ?? { extracted: 0, correct: 0, gold: 0 };
      const extracted = got !== undefined ? 1 : 0;
      const gold = expected !== undefined ? 1 : 0;
      const correct = extracted && gold && sameValue(field, expected, got) ? 1 : 0;
      for (const bucket of [counts, totals.all, totals[document.split]]) {
        bucket.extracted += extracted;
        bucket.gold += gold;
        bucket.correct += correct;
      }
      byField.set(key, counts);
      if (!correct && (extracted || gold)) errors.push({ id: document.id, field, expected, got });
    }
  }
  return {
    documents: sample.documents.length,
    schemaValid,
    schemaValidShare: schemaValid / sample.documents.length,
    all: summarise(totals.all),
    dev: summarise(totals.dev),
    heldout: summarise(totals.heldout),
    fresh: summarise(totals.fresh),
    byField: Object.fromEntries([...byField.entries()].map(([field, counts]) => [field, summarise(counts)])),
    errors,
  };
}
