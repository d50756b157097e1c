import type { Block, NormalisedDocument, ParsedDocument, PlacedBlock } from './blocks.ts';

const BLOCK_SEPARATOR = '\n\n';

/**
 * One text for every format: Unicode NFC, no control characters, no-break and odd spaces made plain,
 * whitespace collapsed inside paragraphs and headings (kept line by line in lists, tables and code), empty
 * blocks dropped. Blocks are joined by a blank line and keep their offsets, which chunk positions refer to.
 */
export function normaliseDocument(parsed: ParsedDocument): NormalisedDocument {
  const blocks: PlacedBlock[] = [];
  let text = '';
  for (const block of parsed.blocks) {
    const cleaned = cleanBlockText(block);
    if (cleaned === '') continue;
    if (text !== '') text += BLOCK_SEPARATOR;
    const start = text.length;
    text += cleaned;
    blocks.push({ ...block, text: cleaned, start, end: text.length });
  }
  const title = parsed.title === undefined ? undefined : cleanInline(parsed.title);
  return { text, blocks, title: title === '' ? undefined : title };
}

export function cleanInline(text: string): string {
  return stripControl(text.normalize('NFC')).replace(/\s+/g, ' ').trim();
}

function cleanBlockText(block: Block): string {
  const text = stripControl(block.text.normalize('NFC'));
  if (block.kind === 'paragraph' || block.kind === 'heading') return text.replace(/\s+/g, ' ').trim();
  const lines = text
    .split('\n')
    .map((line) => (block.kind === 'code' ? line.trimEnd() : line.replace(/[ \t]+/g, ' ').trim()));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  // Blank lines inside a block would read as block boundaries; one line break is enough.
  return lines
    .filter((line, index) => line !== '' || (lines[index - 1] ?? '') !== '')
    .join('\n')
    .replace(/\n{2,}/g, '\n');
}

function stripControl(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      .replace(/[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\f\v]/g, ' ')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f\u200b-\u200d\u2060\ufeff]/g, '')
  );
}
