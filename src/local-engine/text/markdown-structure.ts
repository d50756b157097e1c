/** One block of a Markdown text as a reader sees it. */
export interface TextBlock {
  readonly kind: 'heading' | 'paragraph' | 'item' | 'table' | 'code';
  /** The block's words without markup (`**`, backticks, link targets, list markers). */
  readonly text: string;
  /** Heading level 1-6 (headings only). */
  readonly level?: number;
}

const ATX_HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/u;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/u;
const LIST_ITEM = /^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$/u;
const FENCE = /^\s{0,3}(```|~~~)/u;
const TABLE_ROW = /^\s*\|.*\|\s*$/u;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/u;
const LINK_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*\S+/u;

/** Whether a text is Markdown with structure worth reading (a heading of either kind, front matter, a fence or a table). */
export function looksLikeMarkdown(text: string): boolean {
  return (
    /^---\r?\n[\s\S]*?\r?\n---\s*(?:\r?\n|$)/u.test(text) ||
    /^\s{0,3}#{1,6}\s+\S/mu.test(text) ||
    /^[^\n]*\p{L}[^\n]*\r?\n\s{0,3}(?:={3,}|-{3,})\s*$/mu.test(text) ||
    /^\s{0,3}```/mu.test(text) ||
    /^\s*\|.*\|\s*\r?\n\s*\|?\s*:?-{3,}/mu.test(text)
  );
}

/** Inline Markdown to its words: emphasis, code spans, links and images, HTML tags. */
export function plainInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])/gu, '$1')
    .replace(/\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])/gu, '$1')
    .replace(/<[^>\n]+>/gu, '')
    .replace(/(\*\*|__)(.+?)\1/gu, '$2')
    .replace(/(?<![\p{L}\p{N}])([*_])(\S(?:.*?\S)?)\1(?![\p{L}\p{N}])/gu, '$2')
    .replace(/`([^`]+)`/gu, '$1')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Whether a paragraph is only images (badges, logos), links around images and HTML tags: a reader sees
 * pictures there, not words, so their alt texts ("CI", "npm version") are not prose.
 */
function onlyImages(markdown: string): boolean {
  const rest = markdown
    .replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/gu, '')
    .replace(/\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]/gu, '')
    .replace(/!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])/gu, '')
    .replace(/<[^>\n]+>/gu, '');
  return !/[\p{L}\p{N}]/u.test(rest) && /!\[|<img/iu.test(markdown);
}

/**
 * The blocks of a Markdown text: front matter, HTML comments, thematic breaks and link reference
 * definitions skipped, ATX and setext headings with their level, paragraphs (lines joined, blockquote
 * markers dropped, badge rows skipped), list items, table rows and fenced code as blocks of their own.
 */
export function markdownBlocks(text: string): TextBlock[] {
  const lines = text
    .replace(/^---\r?\n[\s\S]*?\r?\n---\s*(?:\r?\n|$)/u, '')
    .replace(/<!--[\s\S]*?-->/gu, '')
    .split(/\r?\n/u)
    .map((line) => line.replace(/^\s{0,3}(?:>\s?)+/u, ''));
  const blocks: TextBlock[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    const raw = paragraph.join(' ');
    const joined = plainInline(raw);
    if (joined.length > 0 && !onlyImages(raw)) blocks.push({ kind: 'paragraph', text: joined });
    paragraph = [];
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (FENCE.test(line)) {
      flush();
      const code: string[] = [];
      for (index++; index < lines.length && !FENCE.test(lines[index] ?? ''); index++)
        code.push(lines[index] ?? '');
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    const heading = ATX_HEADING.exec(line);
    if (heading !== null) {
      flush();
      blocks.push({ kind: 'heading', text: plainInline(heading[2] ?? ''), level: heading[1]?.length ?? 1 });
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(lines[index + 1] ?? '');
    if (underline !== null && line.trim().length > 0 && paragraph.length === 0 && !LIST_ITEM.test(line)) {
      blocks.push({ kind: 'heading', text: plainInline(line), level: underline[1]?.startsWith('=') ? 1 : 2 });
      index++;
      continue;
    }
    // A thematic break (---, ***) and a link reference definition ([id]: url) show no words.
    if (THEMATIC_BREAK.test(line) || LINK_DEFINITION.test(line)) {
      flush();
      continue;
    }
    if (TABLE_ROW.test(line)) {
      flush();
      if (!/^\s*\|?\s*:?-{3,}/u.test(line))
        blocks.push({ kind: 'table', text: plainInline(line.replace(/\|/gu, ' ')) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item !== null) {
      flush();
      blocks.push({ kind: 'item', text: plainInline(item[1] ?? '') });
      continue;
    }
    if (line.trim().length === 0) flush();
    else paragraph.push(line.trim());
  }
  flush();
  return blocks;
}
