import { describe, expect, it } from 'vitest';
import { markdownBlocks } from '../text/markdown-structure.ts';
import { summarize } from './summarize.ts';

const LEAD = 'Keel 2.0 lets every team ship AI features without a model key, using the embedded engine.';
const BODY = `The engine extracts fields with evidence and abstains when the text does not say.
Search fuses keyword and vector rankings, weighting the vector side by how much the two agree.
Summaries read the structure of Markdown instead of quoting its markup.`;

/** The same document with its headings written every way Markdown allows. */
const DOCUMENTS: readonly { readonly form: string; readonly text: string }[] = [
  { form: 'ATX headings with blank lines', text: `# Release notes\n\n${LEAD}\n\n## What changed\n\n${BODY}` },
  { form: 'ATX heading glued to the next line', text: `# Release notes\n${LEAD}\n## What changed\n${BODY}` },
  { form: 'closed ATX headings', text: `# Release notes #\n${LEAD}\n\n## What changed ##\n${BODY}` },
  {
    form: 'setext headings',
    text: `Release notes\n=============\n${LEAD}\n\nWhat changed\n------------\n${BODY}`,
  },
  {
    form: 'front matter and a list',
    text: `---\ntitle: Release notes\ndate: 2025-01-01\n---\n# Release notes\n${LEAD}\n\n## What changed\n- ${BODY.split('\n').join('\n- ')}`,
  },
];

describe('summarize Markdown', () => {
  it.each(DOCUMENTS)(
    '$form: no heading is quoted or glued to a sentence, and the lead is kept',
    async ({ text }) => {
      const result = await summarize({ text, max_sentences: 2 }, { embedder: null });
      expect(result.summary).not.toMatch(/#|Release notes|What changed|===|---|title:/u);
      expect(result.key_points).toContain(LEAD);
      expect(result.summary.startsWith(LEAD)).toBe(true);
      for (const point of result.key_points) expect(point).not.toMatch(/^[-*]\s/u);
    },
  );

  it('reads blocks: headings with levels, paragraphs, items, tables and code apart', () => {
    expect(
      markdownBlocks(
        '---\na: 1\n---\n# Title\nText **bold** and [a link](https://x.example).\n\n- one\n- two\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```\ncode\n```',
      ),
    ).toEqual([
      { kind: 'heading', text: 'Title', level: 1 },
      { kind: 'paragraph', text: 'Text bold and a link.' },
      { kind: 'item', text: 'one' },
      { kind: 'item', text: 'two' },
      { kind: 'table', text: 'a b' },
      { kind: 'table', text: '1 2' },
      { kind: 'code', text: 'code' },
    ]);
  });

  it('reads a README as its reader sees it: no comments, badge rows, rules, link definitions, quote markers or link labels', () => {
    const readme = [
      '<!--',
      '@license Apache-2.0',
      '-->',
      '# tool',
      '[![CI](https://ci.example/badge.svg)](https://ci.example) [![npm version][npm-badge]][npm]',
      '<img src="logo.png" alt="logo"/>',
      '',
      '> Detect native [Int8Array][mdn] support.',
      '> Works in ![an icon](icon.png) every runtime.',
      '',
      '---',
      '',
      '[mdn]: https://developer.mozilla.org/',
      '* * *',
    ].join('\n');
    expect(markdownBlocks(readme)).toEqual([
      { kind: 'heading', text: 'tool', level: 1 },
      { kind: 'paragraph', text: 'Detect native Int8Array support. Works in an icon every runtime.' },
    ]);
  });
});
