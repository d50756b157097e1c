import { describe, expect, it } from 'vitest';
import { BagOfWordsEmbedder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { calibrateSemantic, DEFAULT_FUSION } from './hybrid-ranker.ts';
import { recommend } from './recommend.ts';
import { scoreItems } from './score.ts';

const ITEMS = [
  { id: 'keel', text: 'A keel keeps a sailing boat upright and on course.' },
  { id: 'stocks', text: 'Stock markets fell sharply today after the announcement.' },
  { id: 'fin', text: 'Racing yachts carry a deep fin keel with a lead bulb.' },
  { id: 'mast', text: 'The mast of a sailing boat holds the sails.' },
];

describe('scoreItems', () => {
  it('ranks by fused relevance with scores in 0..1 and ranks 1..n', async () => {
    const result = await scoreItems(
      { query: 'sailing boat keel', items: ITEMS },
      { embedder: new BagOfWordsEmbedder() },
    );
    expect(result.scores.map((score) => score.rank)).toEqual([1, 2, 3, 4]);
    expect(result.scores[0]?.id).toBe('keel');
    expect(result.scores.at(-1)?.id).toBe('stocks');
    expect(result.scores.every((score) => score.score >= 0 && score.score <= 1)).toBe(true);
    for (let index = 1; index < result.scores.length; index++) {
      expect(result.scores[index - 1]?.score).toBeGreaterThanOrEqual(result.scores[index]?.score ?? 0);
    }
    expect(result.model).toBe('bag-of-words+bm25');
  });

  it('scores the same item the same whatever else is in the list (absolute calibration)', async () => {
    const embedder = new BagOfWordsEmbedder();
    const alone = await scoreItems({ query: 'sailing boat keel', items: ITEMS.slice(0, 2) }, { embedder });
    const all = await scoreItems(
      { query: 'sailing boat keel', items: [...ITEMS, { id: 'x', text: 'keel keel keel' }] },
      { embedder },
    );
    const keelAlone = alone.scores.find((score) => score.id === 'keel')?.score ?? 0;
    const keelAll = all.scores.find((score) => score.id === 'keel')?.score ?? 0;
    expect(Math.abs(keelAlone - keelAll)).toBeLessThan(0.25);
  });

  it('runs lexical-only without an embedder, and handles empty lists, empty queries and limits', async () => {
    const lexical = await scoreItems({ query: 'keel', items: ITEMS, mode: 'lexical' });
    expect(lexical.model).toBe('bm25');
    expect(lexical.scores.every((score) => score.semantic === null)).toBe(true);
    expect((await scoreItems({ query: 'keel', items: [] }, { embedder: null })).scores).toEqual([]);
    const empty = await scoreItems({ query: '', items: ITEMS }, { embedder: null });
    expect(empty.scores.map((score) => score.id)).toEqual(ITEMS.map((item) => item.id));
    const tooMany = Array.from({ length: 1001 }, (_, index) => ({ id: String(index), text: 'x' }));
    await expect(scoreItems({ query: 'x', items: tooMany })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_TOO_LARGE',
    });
  });

  it('maps cosine linearly between the floor and the ceiling', () => {
    expect(calibrateSemantic(DEFAULT_FUSION.semanticFloor, DEFAULT_FUSION)).toBe(0);
    expect(calibrateSemantic(1, DEFAULT_FUSION)).toBe(1);
    expect(calibrateSemantic(-1, DEFAULT_FUSION)).toBe(0);
  });
});

describe('recommend', () => {
  const catalogue = [
    { id: 'k1', text: 'Keel design for sailing boats' },
    { id: 'k2', text: 'Keel design for sailing boats and yachts' },
    { id: 'm1', text: 'Mast and rigging of sailing boats' },
    { id: 's1', text: 'Stock market news' },
  ];

  it('returns k items with reasons from matched terms, diversifying near-duplicates away', async () => {
    const embedder = new BagOfWordsEmbedder();
    const focused = await recommend(
      { query: 'keel design', items: catalogue, k: 2, diversity: 0 },
      { embedder },
    );
    expect(focused.items.map((item) => item.id)).toEqual(['k1', 'k2']);
    expect(focused.items[0]?.reason).toMatch(
      /Matches "keel", "design"|Matches "design" and "keel"|Matches "keel" and "design"/,
    );
    const varied = await recommend(
      { query: 'keel design sailing boats', items: catalogue, k: 2, diversity: 0.8 },
      { embedder },
    );
    expect(varied.items).toHaveLength(2);
    expect(varied.items.map((item) => item.id)).not.toEqual(['k1', 'k2']);
  });

  it('uses liked items as a profile and does not recommend them again', async () => {
    const result = await recommend(
      { profile: { liked_ids: ['k1'] }, items: catalogue, k: 3 },
      { embedder: null },
    );
    expect(result.items.map((item) => item.id)).not.toContain('k1');
    expect(result.items[0]?.id).toBe('k2');
    expect(result.items[0]?.reason).toContain('from the items you liked');
  });

  it('rejects a request without query, profile or likes, and bad k or diversity', async () => {
    await expect(recommend({ items: catalogue, k: 1 })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(recommend({ query: 'x', items: catalogue, k: 0 })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
    await expect(recommend({ query: 'x', items: catalogue, k: 1, diversity: 2 })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_INVALID',
    });
  });
});
