import type { ParseLimits } from './parse-limits.ts';

/** Why a document's bytes could not become text; ingestion reports it as DOCUMENTS_PARSE_FAILED. */
export class DocumentParseError extends Error {
  override name = 'DocumentParseError';
}

/**
 * The document exceeds one of the parse limits (a decompression bomb, a deeply nested or huge document);
 * ingestion reports it as DOCUMENTS_PARSE_LIMIT_EXCEEDED. The message names the limit and the value.
 */
export class DocumentParseLimitError extends DocumentParseError {
  override name = 'DocumentParseLimitError';
  readonly limit: keyof ParseLimits;
  readonly maximum: number;

  constructor(limit: keyof ParseLimits, maximum: number, what: string) {
    super(`${what}: over the parse limit ${limit} = ${maximum}.`);
    this.limit = limit;
    this.maximum = maximum;
  }
}
