import { BlockSink, tooDeep, tooManyCharacters } from './block-sink.ts';
import type { BlockKind, ParsedDocument } from './blocks.ts';
import { decodeEntities } from './html-entities.ts';
import type { ParseLimits } from './parse-limits.ts';

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
/**
 * HTML (and the HTML mammoth makes of DOCX) to blocks: headings, paragraphs, lists (nested by indent),
 * tables (one line per row, cells joined by ` | `), `pre` code and block quotes. Scripts, styles,
 * navigation and other non-text elements are dropped; entities are decoded. A tolerant scanner, not a
 * validating parser: unclosed and misnested tags still give sensible text. It reads each character once
 * (a tag or comment left open runs to the end, as in a browser), counts the nesting of lists, tables and
 * `pre` against `maxNestingDepth`, and the text it builds against `maxCharacters` as it grows.
 */
export function parseHtml(html: string, limits: ParseLimits): ParsedDocument {
  const builder = new BlockBuilder(limits);
  let skipDepth = 0;
  let skipping: string | undefined;
  let title: string | undefined;
  let inTitle = false;
  const onText = (raw: string) => {
    const text = decodeEntities(raw);
    if (inTitle) title = (title ?? '') + text;
    else if (skipping === undefined) builder.text(text);
  };
  const onTag = (rawName: string, isClosing: boolean, selfClosing: boolean) => {
    const name = rawName.toLowerCase();
    if (name === 'title') {
      inTitle = !isClosing;
      return;
    }
    if (skipping !== undefined) {
      if (name === skipping) skipDepth += isClosing ? -1 : VOID.has(name) ? 0 : 1;
      if (skipDepth === 0) skipping = undefined;
      return;
    }
    if (SKIPPED.has(name) && !isClosing && !selfClosing) {
      skipping = name;
      skipDepth = 1;
      return;
    }
    builder.tag(name, isClosing);
  };
  scanHtml(html, onText, onTag);
  builder.flush();
  const blocks = builder.blocks;
  return { blocks, title: title?.trim() || blocks.find((block) => block.kind === 'heading')?.text };
}

/**
 * The tokens of an HTML text in one pass: text runs, tags (name, closing, self-closing), and comments,
 * doctypes, CDATA and processing instructions skipped. Linear in the input whatever it holds.
 */
function scanHtml(
  html: string,
  onText: (text: string) => void,
  onTag: (name: string, closing: boolean, selfClosing: boolean) => void,
): void {
  // Per call: sticky and global expressions carry lastIndex, which must not be shared.
  const TAG_NAME = /[a-zA-Z][a-zA-Z0-9:-]*/y;
  const TAG_END_OR_QUOTE = /[>"']/g;
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open === -1) {
      onText(html.slice(at));
      return;
    }
    if (open > at) onText(html.slice(at, open));
    const next = html[open + 1];
    if (next === '!') {
      if (html.startsWith('<!--', open)) at = after(html, '-->', open + 4);
      else if (html.startsWith('<![CDATA[', open)) at = after(html, ']]>', open + 9);
      else at = after(html, '>', open + 2);
      continue;
    }
    if (next === '?') {
      at = after(html, '>', open + 2);
      continue;
    }
    const closing = next === '/';
    TAG_NAME.lastIndex = open + (closing ? 2 : 1);
    const name = TAG_NAME.exec(html);
    if (name === null) {
      onText('<');
      at = open + 1;
      continue;
    }
    // Attributes run to the first `>` outside quotes; an unclosed tag or quote swallows the rest.
    let position = TAG_NAME.lastIndex;
    let end = -1;
    while (end === -1) {
      TAG_END_OR_QUOTE.lastIndex = position;
      const found = TAG_END_OR_QUOTE.exec(html);
      if (found === null) return;
      if (found[0] === '>') end = found.index;
      else {
        const close = html.indexOf(found[0], found.index + 1);
        if (close === -1) return;
        position = close + 1;
      }
    }
    onTag(name[0], closing, html[end - 1] === '/');
    at = end + 1;
  }
}

function after(html: string, terminator: string, from: number): number {
  const end = html.indexOf(terminator, from);
  return end === -1 ? html.length : end + terminator.length;
}

class BlockBuilder {
  readonly #sink: BlockSink;
  readonly #limits: ParseLimits;
  /** Characters appended so far: indentation and separators count, so markup cannot amplify unseen. */
  #built = 0;
  #kind: BlockKind = 'paragraph';
  #level: number | undefined;
  #text = '';
  #listDepth = 0;
  #inTable = 0;
  #row: string[] | undefined;
  #cell: string | undefined;
  #pre = 0;

  constructor(limits: ParseLimits) {
    this.#limits = limits;
    this.#sink = new BlockSink(limits);
  }

  get blocks() {
    return this.#sink.blocks;
  }

  text(text: string): void {
    this.#count(text.length);
    if (this.#cell !== undefined) {
      this.#cell += text;
      return;
    }
    this.#text += this.#pre > 0 ? text : text.replace(/\s+/g, ' ');
  }

  #count(characters: number): void {
    this.#built += characters;
    if (this.#built > this.#limits.maxCharacters) throw tooManyCharacters(this.#limits);
  }

  #nest(depth: number): number {
    if (depth > this.#limits.maxNestingDepth) throw tooDeep(this.#limits, 'HTML');
    return depth;
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
      this.#listDepth = this.#nest(Math.max(0, this.#listDepth + (closing ? -1 : 1)));
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
        const marker = `\n${'  '.repeat(Math.max(0, this.#listDepth - 1))}- `;
        this.#count(marker.length);
        this.#text += marker;
      }
      return;
    }
    if (name === 'table') {
      if (!closing && this.#inTable === 0) this.flush();
      this.#inTable = this.#nest(Math.max(0, this.#inTable + (closing ? -1 : 1)));
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
      this.#pre = this.#nest(Math.max(0, this.#pre + (closing ? -1 : 1)));
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
    // trimEnd, not /\s+$/: that expression is quadratic on a long run of spaces.
    const text = this.#kind === 'code' ? this.#text.replace(/^\n+/, '').trimEnd() : this.#text.trim();
    if (text !== '') {
      this.#sink.push(
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
