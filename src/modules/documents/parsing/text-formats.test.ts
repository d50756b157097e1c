import { describe, expect, it } from 'vitest';
import { parseHtml } from './html.parser.ts';
import { parseJsonDocument } from './json.parser.ts';
import { parseMarkdown } from './markdown.parser.ts';
import { normaliseDocument } from './normalise.ts';
import { DocumentParseError } from './parse-error.ts';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.ts';
import { parsePlainText } from './text.parser.ts';

describe('Markdown', () => {
  it('keeps headings, paragraphs, lists, tables, code and quotes as blocks', () => {
    const parsed = parseMarkdown(
      `---
title: ignored front matter
---
# Sailing *basics*

The **keel** keeps the boat upright; see [the guide](https://example.com/guide).
A second line of the same paragraph.

Rigging
-------

- mast
- boom
  continued
  - nested sheet

| part | material |
|------|----------|
| hull | wood |

\`\`\`ts
const knots = 12;
\`\`\`

> Red sky at night.
`,
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.title).toBe('Sailing basics');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Sailing basics' },
      {
        kind: 'paragraph',
        text: 'The keel keeps the boat upright; see the guide. A second line of the same paragraph.',
      },
      { kind: 'heading', level: 2, text: 'Rigging' },
      { kind: 'list', text: '- mast\n- boom continued\n  - nested sheet' },
      { kind: 'table', text: 'part | material\nhull | wood' },
      { kind: 'code', text: 'const knots = 12;' },
      { kind: 'quote', text: 'Red sky at night.' },
    ]);
  });
});

describe('Markdown headings', () => {
  it('drop a closing sequence of hashes only after a space, and need a space after the opening', () => {
    const parsed = parseMarkdown(
      '# Title ##\n\n## C#\n\n### ###\n\n#hashtag\n\n####### seven\n\n#   spaced   #',
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Title' },
      { kind: 'heading', level: 2, text: 'C#' },
      { kind: 'heading', level: 3, text: '' },
      { kind: 'paragraph', text: '#hashtag' },
      { kind: 'paragraph', text: '####### seven' },
      { kind: 'heading', level: 1, text: 'spaced' },
    ]);
  });
});

describe('HTML', () => {
  it('reads structure and drops scripts, styles and navigation', () => {
    const parsed = parseHtml(
      `<!doctype html><html><head><title>Harbour &amp; Docks</title>
      <style>p { color: red }</style><script>alert("no")</script></head>
      <body><nav><a href="/">Home</a></nav>
      <h1>Docks</h1><p>Boats &mdash; many   of them<br>moor here.</p>
      <ul><li>Pier A<ul><li>Berth 1</li></ul></li><li>Pier B</li></ul>
      <table><tr><th>Pier</th><th>Depth</th></tr><tr><td>A</td><td>4&nbsp;m</td></tr></table>
      <pre>line one
  line two</pre><blockquote><p>Keep clear.</p></blockquote><!-- a comment --></body></html>`,
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.title).toBe('Harbour & Docks');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Docks' },
      { kind: 'paragraph', text: 'Boats — many of them\nmoor here.' },
      { kind: 'list', text: '- Pier A\n  - Berth 1\n- Pier B' },
      { kind: 'table', text: 'Pier | Depth\nA | 4 m' },
      { kind: 'code', text: 'line one\n  line two' },
      { kind: 'quote', text: 'Keep clear.' },
    ]);
  });

  it('survives broken markup', () => {
    const parsed = parseHtml(
      '<div><p>unclosed <b>bold<p>next</div></span><script>never closed',
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.blocks.map((block) => block.text)).toEqual(['unclosed bold', 'next']);
  });
});

describe('JSON', () => {
  it('renders fields, nested objects, long text and records as blocks', () => {
    const parsed = parseJsonDocument(
      JSON.stringify({
        title: 'Fleet',
        year: 2024,
        summary: 'x'.repeat(250),
        boats: [
          { name: 'Aurora', crew: ['Ann', 'Bo'], engine: { hp: 20 } },
          { name: 'Borealis', crew: [] },
        ],
      }),
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.title).toBe('Fleet');
    expect(parsed.blocks).toEqual([
      { kind: 'list', text: 'title: Fleet\nyear: 2024' },
      { kind: 'heading', level: 1, text: 'summary' },
      { kind: 'paragraph', text: 'x'.repeat(250) },
      { kind: 'heading', level: 1, text: 'boats' },
      { kind: 'list', text: 'name: Aurora\ncrew: Ann, Bo\nengine.hp: 20' },
      { kind: 'list', text: 'name: Borealis\ncrew: ' },
    ]);
  });

  it('reports invalid JSON precisely', () => {
    expect(() => parseJsonDocument('{"a": 1,}', DEFAULT_PARSE_LIMITS)).toThrow(DocumentParseError);
    expect(() => parseJsonDocument('{"a": 1,}', DEFAULT_PARSE_LIMITS)).toThrow(/The JSON is not valid/);
  });
});

describe('plain text', () => {
  it('splits paragraphs on blank lines and groups bullet lines into lists', () => {
    const parsed = parsePlainText(
      'First line\nsame paragraph.\n\n- one\n- two\n  wrapped\nAfter the list.\n\n\n1. numbered',
      DEFAULT_PARSE_LIMITS,
    );
    expect(parsed.blocks).toEqual([
      { kind: 'paragraph', text: 'First line same paragraph.' },
      { kind: 'list', text: '- one\n- two wrapped' },
      { kind: 'paragraph', text: 'After the list.' },
      { kind: 'list', text: '1. numbered' },
    ]);
  });
});

describe('normalisation', () => {
  it('joins blocks with blank lines and places each exactly', () => {
    const document = normaliseDocument({
      blocks: [
        { kind: 'heading', level: 1, text: '  Title\u00a0 here ' },
        { kind: 'paragraph', text: 'Cafe\u0301 \u200bcontrol\u0007 chars\r\nand   spaces' },
        { kind: 'paragraph', text: '   ' },
        { kind: 'list', text: '- a  \n\n\n- b' },
      ],
      title: ' The\ttitle ',
    });
    expect(document.text).toBe('Title here\n\nCafé control chars and spaces\n\n- a\n- b');
    expect(document.title).toBe('The title');
    for (const block of document.blocks) expect(document.text.slice(block.start, block.end)).toBe(block.text);
    expect(document.blocks).toHaveLength(3);
  });
});
