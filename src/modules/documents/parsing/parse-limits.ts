/**
 * What one document may cost to parse, enforced for every format before the work it bounds is done: a
 * document over a limit fails with DocumentParseLimitError (DOCUMENTS_PARSE_LIMIT_EXCEEDED), never retried.
 * The wall-clock bound is the caller's (the parsing worker's timeout); these bound memory and output.
 */
export interface ParseLimits {
  /** Bytes of decompressed or decoded content: a DOCX's extracted parts, a PDF's non-image streams, a text file. */
  readonly maxUncompressedBytes: number;
  /** Entries in a DOCX's zip. */
  readonly maxZipEntries: number;
  /** Uncompressed / compressed size of one zip entry or PDF stream larger than 1 MiB uncompressed. */
  readonly maxCompressionRatio: number;
  /** Element, array/object, list or quote nesting (XML, HTML, JSON, Markdown). */
  readonly maxNestingDepth: number;
  readonly maxPdfPages: number;
  /** Characters of extracted text, all blocks together. */
  readonly maxCharacters: number;
  readonly maxBlocks: number;
}

/**
 * Sized for a 2-core server with a few GB to spare per parse: generous for real documents (a 2,000-page
 * report, a 20 MiB text), far below what a bomb would need to hurt.
 */
export const DEFAULT_PARSE_LIMITS: ParseLimits = Object.freeze({
  maxUncompressedBytes: 50 * 1024 * 1024,
  maxZipEntries: 2_000,
  maxCompressionRatio: 100,
  maxNestingDepth: 200,
  maxPdfPages: 2_000,
  maxCharacters: 20_000_000,
  maxBlocks: 200_000,
});

/** Entries and streams smaller than this uncompressed are not held to the ratio: tiny parts compress well. */
export const RATIO_CHECK_MIN_BYTES = 1024 * 1024;
