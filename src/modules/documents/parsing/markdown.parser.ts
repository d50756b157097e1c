import type { Block, ParsedDocument } from './blocks.ts';

const ATX_HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)\s*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^(\s*)(?:[-*+]|\d{1,9}[.)])\s+/;
const QUOTE = /^ {0,3}>\s?/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const THEMATIC_BREAK = /^ {0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$/;

/**
 * CommonMark's block structure, enough for retrieval: ATX and setext headings, fenced code, pipe tables,
 * lists (with continuation lines), block quotes, paragraphs; YAML front matter is skipped. Inline markup
 * becomes plain text (links keep their text, emphasis and code markers go).
 */
export function parseMarkdown(source: string): ParsedDocument {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let index = skipFrontMatter(lines);
  let paragraph: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: inline(paragraph.join(' ')) });
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
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading) {
      flushParagraph();
      blocks.push({ kind: 'heading', level: heading[1]?.length ?? 1, text: inline(heading[2] ?? '') });
      index++;
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    if (underline && paragraph.length > 0) {
      blocks.push({
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
    if (line.includes('|') && TABLE_SEPARATOR.test(lines[index + 1] ?? '') && paragraph.length === 0) {
      const rows = [tableRow(line)];
      index += 2;
      while (
        index < lines.length &&
        (lines[index] ?? '').includes('|') &&
        (lines[index] ?? '').trim() !== ''
      ) {
        rows.push(tableRow(lines[index++] ?? ''));
      }
      blocks.push({ kind: 'table', text: rows.join('\n') });
      continue;
    }
    if (QUOTE.test(line)) {
      flushParagraph();
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] ?? ''))
        quoted.push((lines[index++] ?? '').replace(QUOTE, ''));
      blocks.push({ kind: 'quote', text: inline(quoted.join(' ')) });
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
          items.push(`${'  '.repeat(depth)}- ${inline(current.slice(item[0].length))}`);
        } else if (current.trim() !== '' && /^\s+/.test(current) && items.length > 0) {
          items[items.length - 1] = `${items.at(-1)} ${inline(current.trim())}`;
        } else if (current.trim() === '' && LIST_ITEM.test(lines[index + 1] ?? '')) {
          // A loose list: a blank line between items.
        } else break;
        index++;
      }
      blocks.push({ kind: 'list', text: items.join('\n') });
      continue;
    }
    paragraph.push(line.trim());
    index++;
  }
  flushParagraph();
  const firstHeading = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { blocks, title: firstHeading?.text };
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
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)([^_]+?)(?<=\S)_(?!\w)/g, '$1$2')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/`+([^`]+?)`+/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~])/g, '$1')
    .trim();
}
