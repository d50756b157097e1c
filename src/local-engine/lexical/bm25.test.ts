import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25.ts';

describe('Bm25Index', () => {
  const index = new Bm25Index([
    ['keel', 'boat', 'keel'],
    ['boat', 'sail'],
    ['stock', 'market', 'fall', 'today', 'sharp'],
  ]);

  it('scores documents holding rarer query terms higher, and others zero', () => {
    const scores = index.score(['keel', 'boat']);
    expect(scores[0]).toBeGreaterThan(scores[1] ?? 0);
    expect(scores[1]).toBeGreaterThan(0);
    expect(scores[2]).toBe(0);
    expect(index.idf('keel')).toBeGreaterThan(index.idf('boat'));
  });

  it('keeps IDF positive for a term in every document, and matches the textbook formula', () => {
    const small = new Bm25Index([['a'], ['a']]);
    expect(small.idf('a')).toBeGreaterThan(0);
    const { k1, b } = index.parameters;
    const idf = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    const averageLength = 10 / 3;
    const expected = (idf * (2 * (k1 + 1))) / (2 + k1 * (1 - b + (b * 3) / averageLength));
    expect(index.score(['keel'])[0]).toBeCloseTo(expected, 10);
  });

  it('gives a reference score that maps a full match of an average document near 1', () => {
    const reference = index.referenceScore(['boat', 'sail']);
    expect(reference).toBeCloseTo(index.idf('boat') + index.idf('sail'), 10);
    expect((index.score(['boat', 'sail'])[1] ?? 0) / reference).toBeGreaterThan(0.9);
  });

  it('lists matched terms by contribution and handles an empty index and query', () => {
    expect(index.matchedTerms(['boat', 'keel', 'absent'], 0).map((entry) => entry.term)).toEqual([
      'keel',
      'boat',
    ]);
    expect(new Bm25Index([]).score(['x'])).toHaveLength(0);
    expect(Array.from(index.score([]))).toEqual([0, 0, 0]);
  });
});
