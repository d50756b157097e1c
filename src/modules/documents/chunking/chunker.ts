import { loadTokenizer } from '../../../platform/text/index.ts';
import type { NormalisedDocument, PlacedBlock } from '../parsing/blocks.ts';
import { splitSentences } from './sentences.ts';

/** Counts tokens of a text (gpt-tokenizer's o200k_base in production; see `loadTokenCounter`). */
export type TokenCounter = (text: string) => number;

export interface ChunkingOptions {
  /** No chunk's content is longer than this many tokens. */
  readonly maxTokens: number;
  /** About this many tokens of the end of a chunk start the next one, inside a section. */
  readonly overlapTokens: number;
}

/**
 * 200 tokens (about 850 characters of English) so a chunk fits what the default embedder reads: USE-lite
 * embeds the first 1,000 characters of a text, title and headings included.
 */
export const DEFAULT_CHUNKING: ChunkingOptions = Object.freeze({ maxTokens: 200, overlapTokens: 30 });

export interface Chunk {
  readonly ordinal: number;
  /** `document.text.slice(start, end)`. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly tokenCount: number;
  readonly pageStart: number | null;
  readonly pageEnd: number | null;
  readonly headingPath: readonly string[];
}

interface Piece {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
  readonly block: PlacedBlock;
  /** Headings in effect at this piece (its own text included, for a heading). */
  readonly path: readonly string[];
}

/** The blank line between blocks: usually one token. Sums are checked exactly before a chunk is emitted. */
const SEPARATOR_TOKENS = 1;

/**
 * Structure-aware, token-bounded chunking. Headings open a new chunk (small sections are merged so no
 * chunk is a lone heading), and every chunk records the headings above it. Paragraphs, lists, tables and
 * code blocks are kept whole when they fit; one that does not is split at sentences (paragraphs) or lines
 * (lists, tables, code), and a sentence or line still too long at word boundaries. Inside a section, the
 * next chunk starts with the last sentences of the previous one (up to `overlapTokens`). Chunks are
 * slices of the normalised text, so their offsets are their source positions. Token counts are summed per
 * piece while packing and counted exactly once per chunk, so the bound holds however pieces tokenise
 * when joined.
 */
export function chunkDocument(
  document: NormalisedDocument,
  options: ChunkingOptions,
  countTokens: TokenCounter,
): Chunk[] {
  const { maxTokens } = options;
  const minSectionTokens = Math.floor(maxTokens / 4);
  const pieces = documentPieces(document, maxTokens, countTokens);
  const chunks: Chunk[] = [];
  let current: Piece[] = [];
  let overlap: Piece | undefined;
  let tokens = 0;
  let next = 0;

  const sum = (list: readonly Piece[]) =>
    list.reduce((total, piece, index) => total + piece.tokens + (index > 0 ? SEPARATOR_TOKENS : 0), 0);
  const slice = (list: readonly Piece[]) => document.text.slice(list[0]?.start ?? 0, list.at(-1)?.end ?? 0);
  /** Emits `current`, giving back (to be packed again) trailing pieces that make it too long. */
  const emit = (withOverlap: boolean) => {
    let exact = countTokens(slice(current));
    while (exact > maxTokens && current.length > 1) {
      if (current[0] === overlap) current.shift();
      else {
        current.pop();
        next -= 1;
      }
      exact = countTokens(slice(current));
    }
    const first = current[0];
    const last = current.at(-1);
    if (!first || !last) return;
    const pages = current
      .map((piece) => piece.block.page)
      .filter((page): page is number => page !== undefined);
    chunks.push({
      ordinal: chunks.length,
      text: slice(current),
      start: first.start,
      end: last.end,
      tokenCount: exact,
      pageStart: pages.length > 0 ? Math.min(...pages) : null,
      pageEnd: pages.length > 0 ? Math.max(...pages) : null,
      headingPath: first.path,
    });
    const following = pieces[next];
    overlap =
      withOverlap && following && following.block.kind !== 'heading'
        ? overlapOf(current, document.text, options, countTokens)
        : undefined;
    current =
      overlap && following && overlap.tokens + SEPARATOR_TOKENS + following.tokens <= maxTokens
        ? [overlap]
        : [];
    if (current.length === 0) overlap = undefined;
    tokens = sum(current);
  };
  const hasContent = () => current.some((piece) => piece !== overlap && piece.block.kind !== 'heading');

  for (;;) {
    if (next >= pieces.length) {
      if (!current.some((piece) => piece !== overlap)) break;
      // The last chunk; pieces it gives back (too long once joined) are packed again.
      emit(false);
      continue;
    }
    const piece = pieces[next] as Piece;
    if (piece.block.kind === 'heading' && hasContent() && tokens >= minSectionTokens) {
      emit(false);
      continue;
    }
    if (hasContent() && tokens + SEPARATOR_TOKENS + piece.tokens > maxTokens) {
      emit(true);
      continue;
    }
    tokens += piece.tokens + (current.length > 0 ? SEPARATOR_TOKENS : 0);
    current.push(piece);
    next += 1;
  }
  return chunks;
}

/** Every block as pieces, each with the heading path in effect. */
function documentPieces(document: NormalisedDocument, maxTokens: number, countTokens: TokenCounter): Piece[] {
  const headings: Array<{ level: number; text: string }> = [];
  return document.blocks.flatMap((block) => {
    if (block.kind === 'heading') {
      const level = block.level ?? 1;
      while (headings.length > 0 && (headings.at(-1)?.level ?? 0) >= level) headings.pop();
      headings.push({ level, text: block.text });
    }
    const path = headings.map((heading) => heading.text);
    return piecesOf(block, document.text, maxTokens, countTokens).map((piece) => ({ ...piece, path }));
  });
}

/** A block as pieces no longer than `maxTokens`: itself, or its sentences / lines, or word runs. */
function piecesOf(
  block: PlacedBlock,
  text: string,
  maxTokens: number,
  countTokens: TokenCounter,
): Array<Omit<Piece, 'path'>> {
  const tokens = countTokens(block.text);
  if (tokens <= maxTokens) return [{ start: block.start, end: block.end, tokens, block }];
  const units =
    block.kind === 'paragraph' || block.kind === 'quote'
      ? splitSentences(text, block.start, block.end)
      : lines(text, block.start, block.end);
  // Each sentence (or line) is a piece of its own: the packer fills chunks with them and leaves room for overlap.
  return units.flatMap((unit) => {
    const unitTokens = countTokens(text.slice(unit.start, unit.end));
    const parts =
      unitTokens <= maxTokens
        ? [{ ...unit, tokens: unitTokens }]
        : splitWords(text, unit.start, unit.end, maxTokens, countTokens);
    return parts.map((part) => ({ ...part, block }));
  });
}

/** The trailing sentences of a chunk's last paragraph, list or quote, up to `overlapTokens`. */
function overlapOf(
  pieces: readonly Piece[],
  text: string,
  options: ChunkingOptions,
  countTokens: TokenCounter,
): Piece | undefined {
  const last = pieces.at(-1);
  if (!last || options.overlapTokens <= 0) return undefined;
  const { kind } = last.block;
  if (kind !== 'paragraph' && kind !== 'quote' && kind !== 'list') return undefined;
  const units =
    kind === 'list' ? lines(text, last.start, last.end) : splitSentences(text, last.start, last.end);
  const chunkStart = pieces[0]?.start ?? last.start;
  let start = last.end;
  let tokens = 0;
  for (let index = units.length - 1; index >= 0; index--) {
    const unit = units[index];
    // Never the whole previous chunk again.
    if (!unit || unit.start <= chunkStart) break;
    const unitTokens = countTokens(text.slice(unit.start, unit.end));
    if (tokens + unitTokens > options.overlapTokens) break;
    tokens += unitTokens + (tokens > 0 ? SEPARATOR_TOKENS : 0);
    start = unit.start;
  }
  return tokens > 0 ? { start, end: last.end, tokens, block: last.block, path: last.path } : undefined;
}

function lines(text: string, start: number, end: number): Array<{ start: number; end: number }> {
  const units: Array<{ start: number; end: number }> = [];
  let lineStart = start;
  for (let index = start; index <= end; index++) {
    if (index === end || text[index] === '\n') {
      if (index > lineStart) units.push({ start: lineStart, end: index });
      lineStart = index + 1;
    }
  }
  return units;
}

/**
 * Word runs of at most `maxTokens`. Each run is found by binary search over word boundaries (a run of n
 * tokens spans at most n words), so even a megabyte without punctuation costs O(log n) counts per run.
 */
function splitWords(
  text: string,
  start: number,
  end: number,
  maxTokens: number,
  countTokens: TokenCounter,
): Array<{ start: number; end: number; tokens: number }> {
  const boundaries: number[] = [];
  for (let index = start + 1; index < end; index++) {
    if (/\s/.test(text[index] ?? '') && !/\s/.test(text[index - 1] ?? '')) boundaries.push(index);
  }
  boundaries.push(end);
  const parts: Array<{ start: number; end: number; tokens: number }> = [];
  let partStart = start;
  let first = 0;
  while (partStart < end) {
    while (partStart < end && /\s/.test(text[partStart] ?? '')) partStart++;
    if (partStart >= end) break;
    while (first < boundaries.length && (boundaries[first] ?? end) <= partStart) first++;
    let low = first;
    let high = Math.min(boundaries.length - 1, first + maxTokens);
    let best: { end: number; tokens: number } | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const candidate = boundaries[middle] ?? end;
      const tokens = countTokens(text.slice(partStart, candidate));
      if (tokens <= maxTokens) {
        best = { end: candidate, tokens };
        low = middle + 1;
      } else high = middle - 1;
    }
    // One "word" longer than the limit (a URL, a base64 blob): cut it by characters.
    best ??= hardCut(text, partStart, boundaries[first] ?? end, maxTokens, countTokens);
    parts.push({ start: partStart, end: best.end, tokens: best.tokens });
    partStart = best.end;
  }
  return parts;
}

function hardCut(text: string, start: number, end: number, maxTokens: number, countTokens: TokenCounter) {
  let low = start + 1;
  let high = end;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countTokens(text.slice(start, middle)) <= maxTokens) low = middle;
    else high = middle - 1;
  }
  return { end: low, tokens: countTokens(text.slice(start, low)) };
}

/** gpt-tokenizer's o200k_base counter (the platform's one loader), loaded on first use. */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const tokenizer = await loadTokenizer();
  return (text: string) => tokenizer.countTokens(text);
}
