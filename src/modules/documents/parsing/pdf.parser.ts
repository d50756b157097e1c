import { tooManyCharacters } from './block-sink.ts';
import type { Block, ParsedDocument } from './blocks.ts';
import { DocumentParseError, DocumentParseLimitError } from './parse-error.ts';
import type { ParseLimits } from './parse-limits.ts';
import { checkPdfStreams } from './pdf-streams.ts';

interface Line {
  text: string;
  y: number;
  size: number;
  page: number;
}

interface TextItem {
  str: string;
  y: number;
  x: number;
  width: number;
  fontSize: number;
  hasEOL: boolean;
}

/**
 * PDF text through unpdf (pdf.js), rebuilt into blocks from the text's geometry: items on one baseline
 * form a line, a vertical gap wider than the usual line spacing starts a paragraph, and short lines set
 * clearly larger than the body text are headings (larger size, outer level). Hyphenated line ends are
 * joined. Pages are kept on every block. Before pdf.js decodes anything its compressed streams are
 * measured (pdf-streams.ts); pages are read one at a time, at most `maxPdfPages`, and text is streamed
 * and counted against `maxCharacters`, stopping at the first chunk past it.
 */
export async function parsePdf(bytes: Uint8Array, limits: ParseLimits): Promise<ParsedDocument> {
  checkPdfStreams(bytes, limits);
  // Loaded on first use: pdf.js is large and most processes never read a PDF.
  const { getDocumentProxy, getMeta } = await import('unpdf');
  const items: TextItem[][] = [];
  let title: string | undefined;
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    try {
      if (pdf.numPages > limits.maxPdfPages)
        throw new DocumentParseLimitError(
          'maxPdfPages',
          limits.maxPdfPages,
          `The PDF has ${pdf.numPages} pages`,
        );
      let characters = 0;
      for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber++) {
        const page = await pdf.getPage(pageNumber);
        const pageItems: TextItem[] = [];
        const reader = page.streamTextContent().getReader();
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          for (const item of (chunk.value as { items: unknown[] }).items) {
            if (!isTextItem(item)) continue;
            // An item costs memory even when empty: count one character for each.
            characters += item.str.length + 1;
            const [, , c = 0, d = 0, e = 0, f = 0] = item.transform;
            pageItems.push({
              str: item.str,
              x: e,
              y: f,
              width: item.width,
              fontSize: Math.hypot(c, d),
              hasEOL: item.hasEOL,
            });
          }
          // Released, not cancelled: pdf.js never settles a cancel of its text stream. Destroying the
          // document (finally, below) stops the page's work.
          if (characters > limits.maxCharacters) {
            reader.releaseLock();
            throw tooManyCharacters(limits);
          }
        }
        page.cleanup();
        items.push(pageItems);
      }
      const info = (await getMeta(pdf)).info as { Title?: unknown };
      title = typeof info.Title === 'string' && info.Title.trim() !== '' ? info.Title : undefined;
    } finally {
      await pdf.loadingTask.destroy();
    }
  } catch (error) {
    if (error instanceof DocumentParseError) throw error;
    const name = error instanceof Error ? error.name : '';
    const reason =
      name === 'PasswordException'
        ? 'it is encrypted with a password'
        : `it is damaged or not a PDF (${error instanceof Error ? error.message : String(error)})`;
    throw new DocumentParseError(`The PDF could not be read: ${reason}.`);
  }
  const lines = items.flatMap((pageItems, index) => toLines(pageItems, index + 1));
  return { blocks: toBlocks(lines), title };
}

function isTextItem(
  item: unknown,
): item is { str: string; transform: number[]; width: number; hasEOL: boolean } {
  return typeof (item as { str?: unknown }).str === 'string';
}

function toLines(items: readonly TextItem[], page: number): Line[] {
  const lines: Line[] = [];
  let current: Line | undefined;
  let lastEnd = 0;
  let breakAfter = false;
  for (const item of items) {
    const sameLine =
      current !== undefined && !breakAfter && Math.abs(current.y - item.y) < Math.max(2, item.fontSize * 0.5);
    if (!sameLine) {
      if (current && current.text.trim() !== '') lines.push(current);
      current = { text: '', y: item.y, size: item.fontSize, page };
      lastEnd = item.x;
    }
    const line = current as Line;
    const gap = item.x - lastEnd;
    if (
      line.text !== '' &&
      !line.text.endsWith(' ') &&
      !item.str.startsWith(' ') &&
      gap > item.fontSize * 0.15
    )
      line.text += ' ';
    line.text += item.str;
    line.size = Math.max(line.size, item.str.trim() === '' ? 0 : item.fontSize);
    lastEnd = item.x + item.width;
    breakAfter = item.hasEOL;
  }
  if (current && current.text.trim() !== '') lines.push(current);
  return lines;
}

function toBlocks(lines: readonly Line[]): Block[] {
  if (lines.length === 0) return [];
  const bodySize = median(
    lines.flatMap((line) => Array(Math.min(50, line.text.length)).fill(line.size) as number[]),
  );
  const spacings: number[] = [];
  for (let index = 1; index < lines.length; index++) {
    const previous = lines[index - 1] as Line;
    const line = lines[index] as Line;
    const spacing = previous.y - line.y;
    const bothBody = Math.abs(line.size - bodySize) < 0.5 && Math.abs(previous.size - bodySize) < 0.5;
    if (line.page === previous.page && spacing > 0 && bothBody) spacings.push(spacing);
  }
  // The lower quartile: paragraph gaps are rarer than line breaks, and must not inflate the estimate.
  const lineSpacing = spacings.length > 0 ? quantile(spacings, 0.25) : bodySize * 1.2;
  const headingSizes = [
    ...new Set(lines.filter((line) => isHeading(line, bodySize)).map((line) => line.size)),
  ].sort((a, b) => b - a);

  const blocks: Block[] = [];
  let paragraph: Line[] = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    const first = paragraph[0] as Line;
    if (isHeading(first, bodySize)) {
      blocks.push({
        kind: 'heading',
        level: Math.min(6, headingSizes.indexOf(first.size) + 1),
        text: joinLines(paragraph),
        page: first.page,
      });
    } else blocks.push({ kind: 'paragraph', text: joinLines(paragraph), page: first.page });
    paragraph = [];
  };
  for (const line of lines) {
    const previous = paragraph.at(-1);
    const breaks =
      previous !== undefined &&
      (line.page !== previous.page ||
        previous.y - line.y > lineSpacing * 1.45 ||
        previous.y < line.y ||
        isHeading(line, bodySize) !== isHeading(previous, bodySize) ||
        Math.abs(line.size - previous.size) > 0.5);
    if (breaks) flush();
    paragraph.push(line);
  }
  flush();
  return blocks;
}

function isHeading(line: Line, bodySize: number): boolean {
  return line.size >= bodySize * 1.15 && line.text.trim().length <= 120;
}

/** Lines of one paragraph: a word hyphenated across lines is joined again. */
function joinLines(lines: readonly Line[]): string {
  // Pieces joined once at the end, and only the previous line tested: testing the tail of an ever-growing
  // string would flatten it on every line, quadratic in the paragraph's length.
  const pieces: string[] = [];
  let previous: string | undefined;
  for (const line of lines) {
    const part = line.text.trim();
    if (previous === undefined) pieces.push(part);
    else if (/\p{L}-$/u.test(previous) && /^\p{Ll}/u.test(part)) {
      // The last piece is always the previous line itself: drop its hyphen, add this line without a space.
      pieces[pieces.length - 1] = previous.slice(0, -1);
      pieces.push(part);
    } else pieces.push(' ', part);
    previous = part;
  }
  return pieces.join('');
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) * q)] ?? 0;
}
