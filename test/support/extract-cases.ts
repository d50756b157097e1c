import { expect } from 'vitest';
import { extract } from '../../src/local-engine/extract/extract.ts';

// The table-shaped regression cases of the offline extractor: one field, one text, the right value or an
// abstention, and the evidence checked against the text.

export const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });

export function schemaOf(properties: Record<string, object>) {
  return { type: 'object', properties, required: Object.keys(properties) };
}

export interface ExtractCase {
  readonly failure: string;
  readonly text: string;
  readonly field: string;
  readonly schema: object;
  /** The right value, or undefined when the field must be missing. */
  readonly expected: unknown;
}

/** Extracts the case's one field offline and checks the value (or the abstention) and its evidence. */
export async function expectExtractCase({ text, field, schema, expected }: ExtractCase): Promise<void> {
  const result = await extract({ text, schema: schemaOf({ [field]: schema }) }, { embedder: null });
  if (expected === undefined) {
    expect(result.missing).toContain(`/${field}`);
    expect(result.data[field]).toBeNull();
    expect(result.evidence[`/${field}`]).toBeUndefined();
  } else {
    expect(result.missing).not.toContain(`/${field}`);
    expect(result.data[field]).toEqual(expected);
    const evidence = result.evidence[`/${field}`];
    expect(evidence).toBeDefined();
    expect(text.slice(evidence?.start, evidence?.end)).toBe(evidence?.quote);
    expect(evidence?.confidence).toBeGreaterThanOrEqual(0.5);
    expect(evidence?.confidence).toBeLessThanOrEqual(1);
  }
}
