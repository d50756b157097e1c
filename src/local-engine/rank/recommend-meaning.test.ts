import { describe, expect, it } from 'vitest';
import { BagOfWordsEmbedder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { meaningful, recommend } from './recommend.ts';

/** Issue 18: a camping catalogue where the liked items share a bare "3" with the wrong answer. */
const CATALOGUE = [
  { id: 'tent-3p', text: 'Dome tent for 3 people, 3-season, 2.1 kg' },
  { id: 'tent-2p', text: 'Ultralight tent, 3-season, sleeps 2' },
  { id: 'headlamp', text: 'LED headlamp, 300 lumens, runs 3 hours on 3 AAA batteries' },
  { id: 'bag', text: 'Down sleeping bag rated to -5 °C: stays warm on cold nights when camping' },
  { id: 'stove', text: 'Gas stove, boils 1 litre in 3 minutes' },
  { id: 'mat', text: 'Insulated sleeping mat keeps you warm off the cold ground at night' },
];

const CASES = [
  { engine: 'lexical only', embedder: null, likes: ['tent-3p'] },
  { engine: 'lexical only, two likes', embedder: null, likes: ['tent-3p', 'tent-2p'] },
  { engine: 'with embeddings', embedder: new BagOfWordsEmbedder(), likes: ['tent-3p'] },
  { engine: 'with embeddings, two likes', embedder: new BagOfWordsEmbedder(), likes: ['tent-3p', 'tent-2p'] },
] as const;

describe('recommend ranks by the meaning of the request', () => {
  it.each(CASES)(
    '$engine: warmth at night outranks shared numbers, and reasons name words, never a bare number',
    async ({ embedder, likes }) => {
      const result = await recommend(
        {
          query: 'keep warm at night while camping',
          profile: { liked_ids: [...likes] },
          items: CATALOGUE,
          k: 3,
          diversity: 0,
        },
        { embedder },
      );
      const ids = result.items.map((item) => item.id);
      expect(ids.slice(0, 2).sort()).toEqual(['bag', 'mat']);
      expect(ids.indexOf('bag')).toBeLessThan(ids.indexOf('headlamp') === -1 ? 99 : ids.indexOf('headlamp'));
      for (const item of result.items) {
        expect(item.reason).not.toMatch(/"[\d.,:/-]+"/u);
      }
      expect(result.items[0]?.reason).toMatch(/"(?:warm|night|camp|camping|cold)"/u);
    },
  );

  it('with likes only, the shared attribute is named, not the shared number', async () => {
    const result = await recommend(
      { profile: { liked_ids: ['tent-3p'] }, items: CATALOGUE, k: 1 },
      { embedder: null },
    );
    expect(result.items[0]?.id).toBe('tent-2p');
    expect(result.items[0]?.reason).toContain('"tent"');
    expect(result.items[0]?.reason).not.toMatch(/"3"/u);
  });

  it.each([
    ['3', false],
    ['2.1', false],
    ['-5', false],
    ['a', false],
    ['warm', true],
    ['aaa', true],
    ['3-season', true],
  ] as const)('meaningful(%s) is %s', (term, expected) => {
    expect(meaningful(term)).toBe(expected);
  });
});
