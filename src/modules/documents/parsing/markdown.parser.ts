import { BlockSink, tooDeep } from './block-sink.ts';
import type { ParsedDocument } from './blocks.ts';
import type { ParseLimits } from './parse-limits.ts';

const ATX_OPENING = /^ {0,3}(#{1,6})(?=\s|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^(\s*)(?:[-*+]|\d{1,9}[.)])\s+/;
const QUOTE = /^ {0,3}>\s?/;
// Matched against the trimmed line: two adjacent `\s*` would make it quadratic on a run of spaces.
const TABLE_SEPARATOR = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$/;
const QUOTE_MARKERS = /^(?: {0,3}>)+/;
const THEMATIC_BREAK = /^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$/;

/**
 * CommonMark's block structure, enough for retrieval: ATX and setext headings, fenced code, pipe tables,
 * lists (with continuation lines), block quotes, paragraphs; YAML front matter is skipped. Inline markup
 * becomes plain text (links keep their text, emphasis and code markers go). Every expression here is linear
 * in its line (a hostile line cannot make one quadratic); list indentation and quote markers count as
 * nesting against `maxNestingDepth`, blocks and characters go through the sink's limits.
 */
export function parseMarkdown(source: string, limits: ParseLimits): ParsedDocument {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const sink = new BlockSink(limits);
  let index = skipFrontMatter(lines);
  let paragraph: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) sink.push({ kind: 'paragraph', text: inline(paragraph.join(' ')) });
    paragraph = [];
  };

  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (line.trim() === '') {
      flushParagraph();
      index++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      const marker = fence[1] ?? '```';
      const body: string[] = [];
      index++;
      while (index < lines.length && !(lines[index] ?? '').trimStart().startsWith(marker))
        body.push(lines[index++] ?? '');
      index++;
      sink.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = atxHeading(line);
    if (heading) {
      flushParagraph();
      sink.push({ kind: 'heading', level: heading.level, text: inline(heading.text) });
      index++;
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    if (underline && paragraph.length > 0) {
      sink.push({
        kind: 'heading',
        level: underline[1]?.startsWith('=') ? 1 : 2,
        text: inline(paragraph.join(' ')),
      });
      paragraph = [];
      index++;
      continue;
    }
    if (THEMATIC_BREAK.test(line)) {
      flushParagraph();
      index++;
      continue;
    }
    if (
      line.includes('|') &&
      TABLE_SEPARATOR.test((lines[index + 1] ?? '').trim()) &&
      paragraph.length === 0
    ) {
      const rows = [tableRow(line)];
      index += 2;
      while (
        index < lines.length &&
        (lines[index] ?? '').includes('|') &&
        (lines[index] ?? '').trim() !== ''
      ) {
        rows.push(tableRow(lines[index++] ?? ''));
      }
      sink.push({ kind: 'table', text: rows.join('\n') });
      continue;
    }
    if (QUOTE.test(line)) {
      flushParagraph();
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] ?? '')) {
        const current = lines[index++] ?? '';
        if (quoteDepth(current) > limits.maxNestingDepth) throw tooDeep(limits, 'Markdown');
        quoted.push(current.replace(QUOTE, ''));
      }
      sink.push({ kind: 'quote', text: inline(quoted.join(' ')) });
      continue;
    }
    if (LIST_ITEM.test(line)) {
      flushParagraph();
      const items: string[] = [];
      while (index < lines.length) {
        const current = lines[index] ?? '';
        const item = LIST_ITEM.exec(current);
        if (item) {
          const depth = Math.floor((item[1]?.length ?? 0) / 2);
          if (depth > limits.maxNestingDepth) throw tooDeep(limits, 'Markdown');
          items.push(`${'  '.repeat(depth)}- ${inline(current.slice(item[0].length))}`);
        } else if (current.trim() !== '' && /^\s+/.test(current) && items.length > 0) {
          items[items.length - 1] = `${items.at(-1)} ${inline(current.trim())}`;
        } else if (current.trim() === '' && LIST_ITEM.test(lines[index + 1] ?? '')) {
          // A loose list: a blank line between items.
        } else break;
        index++;
      }
      sink.push({ kind: 'list', text: items.join('\n') });
      continue;
    }
    paragraph.push(line.trim());
    index++;
  }
  flushParagraph();
  const firstHeading = sink.blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { blocks: sink.blocks, title: firstHeading?.text };
}

/** `# Title ##`: the level and the text without the closing sequence, without a backtracking expression. */
function atxHeading(line: string): { level: number; text: string } | undefined {
  const opening = ATX_OPENING.exec(line);
  if (!opening) return undefined;
  let text = line.slice(opening[0].length).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end === 0) text = '';
  else if (end < text.length && /\s/.test(text[end - 1] ?? '')) text = text.slice(0, end).trimEnd();
  return { level: opening[1]?.length ?? 1, text };
}

function quoteDepth(line: string): number {
  const markers = QUOTE_MARKERS.exec(line.replace(/> +/g, '>'));
  return markers ? markers[0].split('>').length - 1 : 0;
}

function skipFrontMatter(lines: readonly string[]): number {
  if (lines[0]?.trim() !== '---') return 0;
  const end = lines.findIndex(
    (line, index) => index > 0 && index < 200 && (line.trim() === '---' || line.trim() === '...'),
  );
  return end === -1 ? 0 : end + 1;
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => inline(cell.trim()))
    .join(' | ');
}

/** Inline markup to plain text. */
export function inline(text: string): string {
  // Each expression stops at the next delimiter of its kind (`[`, `(`, `<`, `**`), so a line full of
  // unclosed markup costs one pass, not one pass per opening.
  return text
    .replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^<>\s]+)>/g, '$1')
    .replace(/<\/?[a-zA-Z][^<>]*>/g, '')
    .replace(/\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*/g, '$1')
    .replace(/__(?=\S)((?:[^_]|_(?!_))+?)(?<=\S)__/g, '$1')
    .replace(/(^|[^\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)([^_]+?)(?<=\S)_(?!\w)/g, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/(?<!`)`+([^`]+?)`+/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1')
    .trim();
}
