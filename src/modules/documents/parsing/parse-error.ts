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

/**
 * A parse error as plain data, for crossing a worker-thread boundary: structured cloning keeps neither
 * the class nor `limit` and `maximum`, so the pool sends this and rebuilds the error on the other side.
 */
export type SerializedParseError =
  | { readonly kind: 'parse'; readonly message: string }
  | {
      readonly kind: 'limit';
      readonly message: string;
      readonly limit: keyof ParseLimits;
      readonly maximum: number;
    };

export function serializeParseError(error: DocumentParseError): SerializedParseError {
  return error instanceof DocumentParseLimitError
    ? { kind: 'limit', message: error.message, limit: error.limit, maximum: error.maximum }
    : { kind: 'parse', message: error.message };
}

export function deserializeParseError(data: SerializedParseError): DocumentParseError {
  if (data.kind === 'parse') return new DocumentParseError(data.message);
  const error = new DocumentParseLimitError(data.limit, data.maximum, '');
  error.message = data.message;
  return error;
}
