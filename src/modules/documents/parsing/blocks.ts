/** The structural units parsers produce and the chunker respects. */
export type BlockKind = 'heading' | 'paragraph' | 'list' | 'table' | 'code' | 'quote';

export interface Block {
  readonly kind: BlockKind;
  /** Paragraphs hold one line; lists, tables and code keep their line breaks. */
  readonly text: string;
  /** Heading level, 1 (outermost) to 6. */
  readonly level?: number;
  /** 1-based page (PDF). */
  readonly page?: number;
}

/** What a parser returns: the document's blocks in reading order, and a title when the format has one. */
export interface ParsedDocument {
  readonly blocks: readonly Block[];
  readonly title?: string | undefined;
}

/** A block placed in the normalised text: `text.slice(start, end) === block.text`. */
export interface PlacedBlock extends Block {
  readonly start: number;
  readonly end: number;
}

/** The document as chunking sees it: one text (blocks separated by blank lines) and where each block is. */
export interface NormalisedDocument {
  readonly text: string;
  readonly blocks: readonly PlacedBlock[];
  readonly title: string | undefined;
}
