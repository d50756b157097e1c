import { describe, expect, it } from 'vitest';
import {
  DocumentParseError,
  DocumentParseLimitError,
  deserializeParseError,
  serializeParseError,
} from './parse-error.ts';

describe('parse errors across a thread boundary', () => {
  it('survive structured cloning as data, class, limit and message intact', () => {
    const errors = [
      new DocumentParseError('The PDF could not be read: it is damaged.'),
      new DocumentParseLimitError('maxPdfPages', 2_000, 'The PDF has 5000 pages'),
    ];
    for (const error of errors) {
      const restored = deserializeParseError(structuredClone(serializeParseError(error)));
      expect(restored.constructor).toBe(error.constructor);
      expect(restored.message).toBe(error.message);
      if (error instanceof DocumentParseLimitError)
        expect(restored).toMatchObject({
          limit: 'maxPdfPages',
          maximum: 2_000,
          name: 'DocumentParseLimitError',
        });
    }
    // What plain cloning would lose: the reason the pipeline maps to DOCUMENTS_PARSE_LIMIT_EXCEEDED.
    expect(structuredClone(errors[1])).not.toBeInstanceOf(DocumentParseLimitError);
  });
});
