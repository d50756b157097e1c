import type { Block } from './blocks.ts';
import { DocumentParseLimitError } from './parse-error.ts';
import type { ParseLimits } from './parse-limits.ts';

/**
 * Where a parser puts its blocks: counts them and their characters as they come, so a document over
 * `maxBlocks` or `maxCharacters` stops at the first block past the limit instead of after building them all.
 */
export class BlockSink {
  readonly blocks: Block[] = [];
  readonly #limits: ParseLimits;
  #characters = 0;

  constructor(limits: ParseLimits) {
    this.#limits = limits;
  }

  push(block: Block): void {
    if (this.blocks.length >= this.#limits.maxBlocks)
      throw new DocumentParseLimitError(
        'maxBlocks',
        this.#limits.maxBlocks,
        `The document has more than ${this.#limits.maxBlocks} blocks`,
      );
    this.#characters += block.text.length;
    if (this.#characters > this.#limits.maxCharacters) throw tooManyCharacters(this.#limits);
    this.blocks.push(block);
  }
}

export function tooManyCharacters(limits: ParseLimits): DocumentParseLimitError {
  return new DocumentParseLimitError(
    'maxCharacters',
    limits.maxCharacters,
    `The document's text is longer than ${limits.maxCharacters} characters`,
  );
}

export function tooDeep(limits: ParseLimits, format: string): DocumentParseLimitError {
  return new DocumentParseLimitError(
    'maxNestingDepth',
    limits.maxNestingDepth,
    `The ${format} is nested deeper than ${limits.maxNestingDepth} levels`,
  );
}

/** Text formats: the decoded text may not exceed the uncompressed-bytes limit either. */
export function checkInputSize(bytes: Uint8Array, limits: ParseLimits, format: string): void {
  if (bytes.byteLength > limits.maxUncompressedBytes)
    throw new DocumentParseLimitError(
      'maxUncompressedBytes',
      limits.maxUncompressedBytes,
      `The ${format} is ${bytes.byteLength} bytes`,
    );
}
