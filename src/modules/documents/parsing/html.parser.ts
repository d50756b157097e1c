import type { Block, BlockKind, ParsedDocument } from './blocks.ts';
import { decodeEntities } from './html-entities.ts';

/** Elements whose content is not document text. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'canvas',
  'nav',
  'head',
  'select',
  'button',
]);
/** Elements that end the current paragraph. */
const BREAKING = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'form',
  'fieldset',
  'dl',
  'dt',
  'dd',
  'hr',
  'center',
  'body',
  'html',
]);
const VOID = new Set([
  'br',
  'hr',
  'img',
  'input',
  'meta',
  'link',
  'area',
  'base',
  'col',
  'embed',
  'source',
  'track',
  'wbr',
]);
const TOKEN =
  /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<![^>]*>|<\?[\s\S]*?\?>|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|[^<]+|</;

/**
 * HTML (and the HTML mammoth makes of DOCX) to blocks: headings, paragraphs, lists (nested by indent),
 * tables (one line per row, cells joined by ` | `), `pre` code and block quotes. Scripts, styles,
 * navigation and other non-text elements are dropped; entities are decoded. A tolerant scanner, not a
 * validating parser: unclosed and misnested tags still give sensible text.
 */
export function parseHtml(html: string): ParsedDocument {
  const builder = new BlockBuilder();
  let skipDepth = 0;
  let skipping: string | undefined;
  let title: string | undefined;
  let inTitle = false;
  const tokens = new RegExp(TOKEN.source, 'g');
  for (let match = tokens.exec(html); match !== null; match = tokens.exec(html)) {
    const [token, closing, rawName] = match;
    if (rawName === undefined) {
      if (token.startsWith('<!--') || token.startsWith('<!') || token.startsWith('<?')) continue;
      const text = decodeEntities(token);
      if (inTitle) title = (title ?? '') + text;
      else if (skipping === undefined) builder.text(text);
      continue;
    }
    const name = rawName.toLowerCase();
    const isClosing = closing === '/';
    if (name === 'title') {
      inTitle = !isClosing;
      continue;
    }
    if (skipping !== undefined) {
      if (name === skipping) skipDepth += isClosing ? -1 : VOID.has(name) ? 0 : 1;
      if (skipDepth === 0) skipping = undefined;
      continue;
    }
    if (SKIPPED.has(name) && !isClosing && !token.endsWith('/>')) {
      skipping = name;
      skipDepth = 1;
      continue;
    }
    builder.tag(name, isClosing);
  }
  builder.flush();
  const blocks = builder.blocks;
  return { blocks, title: title?.trim() || blocks.find((block) => block.kind === 'heading')?.text };
}

class BlockBuilder {
  readonly blocks: Block[] = [];
  #kind: BlockKind = 'paragraph';
  #level: number | undefined;
  #text = '';
  #listDepth = 0;
  #inTable = 0;
  #row: string[] | undefined;
  #cell: string | undefined;
  #pre = 0;

  text(text: string): void {
    if (this.#cell !== undefined) {
      this.#cell += text;
      return;
    }
    this.#text += this.#pre > 0 ? text : text.replace(/\s+/g, ' ');
  }

  tag(name: string, closing: boolean): void {
    if (name === 'br') {
      this.#text += '\n';
      if (this.#cell !== undefined) this.#cell += ' ';
      return;
    }
    if (/^h[1-6]$/.test(name)) {
      this.flush();
      if (!closing) {
        this.#kind = 'heading';
        this.#level = Number(name.slice(1));
      }
      return;
    }
    if (name === 'ul' || name === 'ol') {
      if (this.#listDepth === 0) this.flush();
      this.#listDepth = Math.max(0, this.#listDepth + (closing ? -1 : 1));
      if (this.#listDepth > 0) this.#kind = 'list';
      else this.flush();
      return;
    }
    if (name === 'li') {
      if (!closing) {
        if (this.#listDepth === 0) {
          this.flush();
          this.#kind = 'list';
        }
        this.#text += `\n${'  '.repeat(Math.max(0, this.#listDepth - 1))}- `;
      }
      return;
    }
    if (name === 'table') {
      if (!closing && this.#inTable === 0) this.flush();
      this.#inTable = Math.max(0, this.#inTable + (closing ? -1 : 1));
      if (this.#inTable > 0) this.#kind = 'table';
      else this.flush();
      return;
    }
    if (this.#inTable > 0 && (name === 'tr' || name === 'td' || name === 'th')) {
      this.#tableTag(name, closing);
      return;
    }
    if (name === 'pre') {
      this.flush();
      this.#pre = Math.max(0, this.#pre + (closing ? -1 : 1));
      if (this.#pre > 0) this.#kind = 'code';
      return;
    }
    if (name === 'blockquote') {
      this.flush();
      if (!closing) this.#kind = 'quote';
      return;
    }
    if (
      BREAKING.has(name) &&
      this.#listDepth === 0 &&
      this.#inTable === 0 &&
      this.#pre === 0 &&
      this.#kind !== 'quote'
    ) {
      this.flush();
    } else if (BREAKING.has(name) && this.#kind === 'quote') {
      this.#text += ' ';
    }
  }

  #tableTag(name: string, closing: boolean): void {
    if (name === 'tr') {
      this.#endCell();
      if (this.#row && this.#row.length > 0) this.#text += `\n${this.#row.join(' | ')}`;
      this.#row = closing ? undefined : [];
      return;
    }
    this.#endCell();
    if (!closing) {
      this.#row ??= [];
      this.#cell = '';
    }
  }

  #endCell(): void {
    if (this.#cell === undefined) return;
    this.#row ??= [];
    this.#row.push(this.#cell.replace(/\s+/g, ' ').trim());
    this.#cell = undefined;
  }

  flush(): void {
    this.#endCell();
    if (this.#row && this.#row.length > 0) this.#text += `\n${this.#row.join(' | ')}`;
    this.#row = undefined;
    const text = this.#kind === 'code' ? this.#text.replace(/^\n+|\s+$/g, '') : this.#text.trim();
    if (text !== '') {
      this.blocks.push(
        this.#kind === 'heading'
          ? { kind: 'heading', level: this.#level ?? 1, text }
          : { kind: this.#kind, text },
      );
    }
    this.#text = '';
    this.#kind = 'paragraph';
    this.#level = undefined;
  }
}
