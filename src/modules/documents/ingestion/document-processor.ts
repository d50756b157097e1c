import {
  type Chunk,
  type ChunkingOptions,
  chunkDocument,
  loadTokenCounter,
  type TokenCounter,
} from '../chunking/chunker.ts';
import type { SupportedMediaType } from '../parsing/media-type.ts';
import { normaliseDocument } from '../parsing/normalise.ts';
import { parseDocument } from '../parsing/parse-document.ts';
import type { ParseLimits } from '../parsing/parse-limits.ts';

export interface ProcessDocumentRequest {
  /** The stored source; a processor on another thread may take ownership of its buffer. */
  readonly bytes: Uint8Array;
  readonly mediaType: SupportedMediaType;
  readonly chunking: ChunkingOptions;
  /** Bounds on what parsing may inflate, nest or count; default `DEFAULT_PARSE_LIMITS`. */
  readonly limits?: ParseLimits;
}

/** What ingestion keeps of a parsed document: its title, its size, and its chunks. */
export interface ProcessedDocument {
  /** The title found in the document (an HTML title, a first heading), if any. */
  readonly title: string | null;
  /** Characters of the normalised text (0: no text at all). */
  readonly characterCount: number;
  readonly chunks: readonly Chunk[];
}

/**
 * Parse -> normalise -> chunk: the CPU-bound half of ingestion, as one call so it can run on the compute
 * pool (Keel's processes) or inline (tests). Throws `DocumentParseError` for a document it cannot read.
 */
export interface DocumentProcessor {
  process(request: ProcessDocumentRequest, signal?: AbortSignal): Promise<ProcessedDocument>;
}

/** Parses, normalises and chunks on the calling thread. */
export async function processDocument(
  request: ProcessDocumentRequest,
  countTokens?: TokenCounter,
): Promise<ProcessedDocument> {
  const parsed = await parseDocument(request.bytes, request.mediaType, request.limits);
  const normalised = normaliseDocument(parsed);
  if (normalised.text.trim() === '')
    return { title: normalised.title ?? null, characterCount: 0, chunks: [] };
  const counter = countTokens ?? (await loadTokenCounter());
  return {
    title: normalised.title ?? null,
    characterCount: normalised.text.length,
    chunks: chunkDocument(normalised, request.chunking, counter),
  };
}

/** The processor that works on the calling thread; `countTokens` replaces gpt-tokenizer (tests). */
export function inlineDocumentProcessor(countTokens?: TokenCounter): DocumentProcessor {
  return {
    async process(request, signal) {
      signal?.throwIfAborted();
      return processDocument(request, countTokens);
    },
  };
}
