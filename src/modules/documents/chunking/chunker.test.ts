import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { Block } from '../parsing/blocks.ts';
import { normaliseDocument } from '../parsing/normalise.ts';
import { type Chunk, chunkDocument } from './chunker.ts';

const words = (count: number, seed = 0) =>
  Array.from(
    { length: count },
    (_, index) => ['keel', 'mast', 'sail', 'rudder', 'hull', 'deck', 'boom'][(index + seed) % 7],
  ).join(' ');

function chunk(blocks: Block[], maxTokens = 60, overlapTokens = 10): { chunks: Chunk[]; text: string } {
  const document = normaliseDocument({ blocks });
  return { chunks: chunkDocument(document, { maxTokens, overlapTokens }, countTokens), text: document.text };
}

describe('chunkDocument', () => {
  it('opens a chunk at each heading and records the heading path', () => {
    const { chunks } = chunk([
      { kind: 'heading', level: 1, text: 'Guide' },
      { kind: 'paragraph', text: `${words(30)}.` },
      { kind: 'heading', level: 2, text: 'Setup' },
      { kind: 'paragraph', text: `${words(30, 1)}.` },
      { kind: 'heading', level: 2, text: 'Use' },
      { kind: 'paragraph', text: `${words(30, 2)}.` },
    ]);
    expect(chunks.map((item) => item.headingPath)).toEqual([['Guide'], ['Guide', 'Setup'], ['Guide', 'Use']]);
    expect(chunks[1]?.text.startsWith('Setup\n\n')).toBe(true);
  });

  it('merges sections too small to stand alone instead of emitting lone headings', () => {
    const { chunks } = chunk([
      { kind: 'heading', level: 1, text: 'A' },
      { kind: 'paragraph', text: 'Tiny.' },
      { kind: 'heading', level: 1, text: 'B' },
      { kind: 'paragraph', text: 'Also tiny.' },
    ]);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toBe('A\n\nTiny.\n\nB\n\nAlso tiny.');
  });

  it('keeps a table or list whole when it fits, rather than splitting it across chunks', () => {
    const table = Array.from({ length: 6 }, (_, row) => `row ${row} | ${words(3, row)}`).join('\n');
    const { chunks } = chunk([
      { kind: 'paragraph', text: `${words(40)}.` },
      { kind: 'table', text: table },
    ]);
    expect(chunks.some((item) => item.text.includes(table))).toBe(true);
  });

  it('splits a long paragraph at sentences, with overlap from the previous chunk', () => {
    const sentences = Array.from(
      { length: 12 },
      (_, index) => `Sentence ${index} is about the ${words(6, index)}.`,
    );
    const { chunks, text } = chunk([{ kind: 'paragraph', text: sentences.join(' ') }], 50, 15);
    expect(chunks.length).toBeGreaterThan(2);
    for (const [index, item] of chunks.entries()) {
      expect(item.text).toBe(text.slice(item.start, item.end));
      expect(item.text).toMatch(/^Sentence \d+/);
      expect(item.text).toMatch(/\.$/);
      if (index > 0) expect(item.start).toBeLessThan(chunks[index - 1]?.end ?? 0);
    }
  });

  it('cuts a run without any punctuation or spaces by tokens', () => {
    const { chunks } = chunk([{ kind: 'paragraph', text: 'x'.repeat(3_000) }], 40, 0);
    expect(chunks.length).toBeGreaterThan(1);
    for (const item of chunks) expect(countTokens(item.text)).toBeLessThanOrEqual(40);
    expect(chunks.map((item) => item.text).join('')).toBe('x'.repeat(3_000));
  });

  it('records pages of PDF blocks', () => {
    const { chunks } = chunk(
      [
        { kind: 'paragraph', text: `${words(10)}.`, page: 1 },
        { kind: 'paragraph', text: `${words(10)}.`, page: 2 },
      ],
      200,
    );
    expect(chunks[0]).toMatchObject({ pageStart: 1, pageEnd: 2 });
  });

  it('never exceeds the token bound, keeps exact positions, and covers every block (property)', () => {
    const block = fc.record({
      kind: fc.constantFrom('heading', 'paragraph', 'paragraph', 'list', 'table', 'code', 'quote'),
      text: fc
        .array(
          fc.oneof(
            fc.constantFrom(
              'keel.',
              'Mast',
              'a',
              'sailing',
              'https://example.com/a/very/long/path?x=1',
              '—',
              'naïve',
              '42,000',
              '\n',
            ),
            fc.string({ minLength: 1, maxLength: 12 }),
          ),
          { minLength: 1, maxLength: 120 },
        )
        .map((parts) => parts.join(' ')),
      level: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 16, max: 200 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (blocks, maxTokens, overlapShare) => {
          const document = normaliseDocument({ blocks: blocks as Block[] });
          const chunks = chunkDocument(
            document,
            { maxTokens, overlapTokens: Math.floor(maxTokens * overlapShare) },
            countTokens,
          );
          let covered = 0;
          for (const [index, item] of chunks.entries()) {
            expect(item.ordinal).toBe(index);
            expect(item.text).toBe(document.text.slice(item.start, item.end));
            expect(countTokens(item.text)).toBeLessThanOrEqual(maxTokens);
            // Only the whitespace between blocks may fall between chunks.
            if (item.start > covered) expect(document.text.slice(covered, item.start).trim()).toBe('');
            covered = Math.max(covered, item.end);
          }
          expect(document.text.slice(covered).trim()).toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });
});
