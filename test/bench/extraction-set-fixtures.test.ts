import { describe, expect, it } from 'vitest';
import { benchSchemaValidator } from '../../bench/quality/schema-validator.ts';
import {
  EXTRACTION_SET,
  EXTRACTION_SET_SCHEMAS,
  type LabelledDocument,
} from '../fixtures/local-engine/extraction-set/index.ts';

// The labelled extraction set's own consistency (not the extractor's): gold values that break their
// schema, or a held-out split that lost a document, would skew Q4 without any error from the bench.
const ajv = benchSchemaValidator();

const fieldsOf = (document: LabelledDocument): string[] =>
  Object.keys((EXTRACTION_SET_SCHEMAS[document.kind] as { properties: object }).properties);

/** The document's output as the schema sees it: every field, `null` where the text states nothing. */
function withNulls(document: LabelledDocument, overrides: Record<string, unknown> = {}): object {
  return Object.fromEntries(
    fieldsOf(document).map((field) => [field, overrides[field] ?? document.expected[field] ?? null]),
  );
}

const collapse = (value: string): string => value.toLowerCase().replace(/\s+/g, ' ');

describe('the labelled extraction set', () => {
  it('has a unique id per document', () => {
    const ids = EXTRACTION_SET.map((document) => document.id);
    expect(ids.length - new Set(ids).size).toBe(0);
  });

  it('states gold and accepted values only for fields of the kind, each valid against its schema', () => {
    const problems: string[] = [];
    for (const document of EXTRACTION_SET) {
      const fields = new Set(fieldsOf(document));
      const validate = ajv.compile(EXTRACTION_SET_SCHEMAS[document.kind]);
      for (const field of Object.keys(document.expected))
        if (!fields.has(field))
          problems.push(`${document.id}: ${field} is not in the ${document.kind} schema`);
      if (!validate(withNulls(document))) problems.push(`${document.id}: gold values break the schema`);
      for (const [field, values] of Object.entries(document.accept ?? {})) {
        // The scorer credits an accepted spelling only beside a gold value: alone it could never count.
        if (document.expected[field] === undefined)
          problems.push(`${document.id}: accepted ${field} without a gold value`);
        for (const value of values)
          if (!validate(withNulls(document, { [field]: value })))
            problems.push(`${document.id}: accepted ${field} ${JSON.stringify(value)} breaks the schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps 5 documents of each of the 7 kinds in each of the later held-out splits', () => {
    const kinds = Object.keys(EXTRACTION_SET_SCHEMAS);
    for (const split of ['heldout-2', 'heldout-3', 'heldout-4', 'heldout-5'] as const) {
      const documents = EXTRACTION_SET.filter((document) => document.split === split);
      expect(documents.map((document) => document.kind).sort()).toEqual(
        kinds.flatMap((kind) => Array<string>(5).fill(kind)).sort(),
      );
    }
  });

  it('finds every gold e-mail address, tracking number and reference of the fifth held-out split in its text', () => {
    // Values a reader copies from the text as written (case and runs of spaces aside); names, dates,
    // amounts and URLs may be normalised, so they are not checked here.
    const copied = /email|number|card_last_four/;
    const problems: string[] = [];
    for (const document of EXTRACTION_SET.filter((entry) => entry.split === 'heldout-5'))
      for (const [field, value] of Object.entries(document.expected))
        if (
          copied.test(field) &&
          typeof value === 'string' &&
          !collapse(document.text).includes(collapse(value))
        )
          problems.push(`${document.id}: ${field} ${value}`);
    expect(problems).toEqual([]);
  });
});
