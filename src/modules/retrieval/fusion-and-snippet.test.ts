import { describe, expect, it } from 'vitest';
import { candidatePlan, candidateTerms } from './bm25.ts';
import { reciprocalRankFusion } from './fusion.ts';
import { buildSnippet } from './snippet.ts';

describe('reciprocal-rank fusion', () => {
  it('ranks what both lists agree on first and keeps each side’s rank and score', () => {
    const fused = reciprocalRankFusion(
      [
        { chunkId: 'a', score: 9 },
        { chunkId: 'b', score: 5 },
      ],
      [
        { chunkId: 'b', score: 0.9 },
        { chunkId: 'c', score: 0.8 },
      ],
      60,
    );
    expect(fused.map((hit) => hit.chunkId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]).toEqual({
      chunkId: 'b',
      score: 1 / 62 + 1 / 61,
      lexical: { rank: 2, score: 5 },
      vector: { rank: 1, score: 0.9 },
    });
    expect(fused[2]?.lexical).toBeNull();
  });
});

describe('candidate terms', () => {
  it('takes terms rarest first within the budget, and always the rarest', () => {
    const term = (name: string, documentFrequency: number) => ({ term: name, documentFrequency, idf: 1 });
    expect(
      candidateTerms([term('film', 900), term('lehigh', 3), term('valley', 40)], 100).map((t) => t.term),
    ).toEqual(['lehigh', 'valley']);
    expect(candidateTerms([term('film', 900), term('city', 700)], 100).map((t) => t.term)).toEqual(['city']);
    expect(candidateTerms([term('gone', 0)], 100)).toEqual([]);
  });

  it('lets common terms in only as pairs, smallest first, within the budget', () => {
    const term = (name: string, documentFrequency: number) => ({ term: name, documentFrequency, idf: 1 });
    const names = (plan: ReturnType<typeof candidatePlan>) => ({
      singles: plan.singles.map((t) => t.term),
      pairs: plan.pairs.map(([a, b]) => `${a.term}&${b.term}`),
    });
    // 100,000 chunks: "lehigh" fits; of the pairs (≈ 10, 48 and 48 chunks if independent) two fit in 100.
    expect(
      names(
        candidatePlan(
          [term('lehigh', 80), term('valley', 1_000), term('call', 1_000), term('film', 4_800)],
          100,
          100_000,
        ),
      ),
    ).toEqual({
      singles: ['lehigh'],
      pairs: ['valley&call', 'valley&film'],
    });
    // Only common words: the rarest still brings its chunks, the others pair up.
    expect(
      names(candidatePlan([term('film', 5_000), term('city', 4_000), term('river', 4_500)], 500, 100_000)),
    ).toEqual({
      singles: ['city'],
      pairs: ['river&film'],
    });
  });
});

describe('snippets', () => {
  it('shows the passage with the most query words, cut at word boundaries', () => {
    const content = `${'Filler words about nothing in particular. '.repeat(12)}The bilge pump keeps the hull dry when the pump switch is on. ${'More filler follows here. '.repeat(10)}`;
    const snippet = buildSnippet(content, 'bilge pumps', 120);
    expect(snippet.text.startsWith('… ')).toBe(true);
    expect(snippet.text.endsWith(' …')).toBe(true);
    expect(snippet.text).toContain('The bilge pump keeps the hull dry');
    expect(snippet.highlights.map((mark) => snippet.text.slice(mark.start, mark.end))).toEqual([
      'bilge',
      'pump',
      'pump',
    ]);
  });

  it('returns a short chunk whole', () => {
    expect(buildSnippet('Keels keep boats upright.', 'keel')).toEqual({
      text: 'Keels keep boats upright.',
      highlights: [{ start: 0, end: 5 }],
    });
  });
});
