import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agreementOf,
  agreementWeightedFusion,
  DEFAULT_AGREEMENT_FUSION,
  rankBiasedOverlap,
  reciprocalRankFusion,
  vectorWeightFor,
} from './fusion.ts';

const hits = (...ids: string[]) => ids.map((chunkId, index) => ({ chunkId, score: 10 - index }));
const settings = { k: 60, depth: 4, floor: 0, ceiling: 0.5 };

describe('agreement-weighted fusion', () => {
  it.each([
    {
      case: 'disjoint sides',
      lexical: hits('a', 'b', 'c', 'd'),
      vector: hits('w', 'x', 'y', 'z'),
      agreement: 0,
      weight: 0,
    },
    {
      case: 'one shared of four',
      lexical: hits('a', 'b', 'c', 'd'),
      vector: hits('x', 'a', 'y', 'z'),
      agreement: 0.25,
      weight: 0.5,
    },
    {
      case: 'two shared of four',
      lexical: hits('a', 'b', 'c', 'd'),
      vector: hits('b', 'a', 'y', 'z'),
      agreement: 0.5,
      weight: 1,
    },
    {
      case: 'identical sides',
      lexical: hits('a', 'b', 'c', 'd'),
      vector: hits('a', 'b', 'c', 'd'),
      agreement: 1,
      weight: 1,
    },
    { case: 'no lexical hits', lexical: hits(), vector: hits('x', 'y'), agreement: 0, weight: 1 },
    { case: 'no vector hits', lexical: hits('a'), vector: hits(), agreement: 0, weight: 0 },
  ])('$case: agreement $agreement, vector weight $weight', ({ lexical, vector, agreement, weight }) => {
    expect(agreementOf(lexical, vector, settings.depth)).toBe(agreement);
    expect(vectorWeightFor(lexical, vector, settings)).toBe(weight);
  });

  it('keeps the lexical order exactly when the sides disagree, vector-only hits after it', () => {
    const fused = agreementWeightedFusion(hits('a', 'b', 'c'), hits('x', 'y', 'z'), settings);
    expect(fused.map((hit) => hit.chunkId)).toEqual(['a', 'b', 'c', 'x', 'y', 'z']);
  });

  it('is plain reciprocal-rank fusion when the sides agree fully', () => {
    const lexical = hits('a', 'b', 'c', 'd');
    const vector = hits('b', 'a', 'd', 'c');
    expect(agreementWeightedFusion(lexical, vector, settings)).toEqual(
      reciprocalRankFusion(lexical, vector, 60),
    );
  });

  it('answers from the vector side alone when the lexical side found nothing', () => {
    const fused = agreementWeightedFusion([], hits('x', 'y'), DEFAULT_AGREEMENT_FUSION);
    expect(fused.map((hit) => hit.chunkId)).toEqual(['x', 'y']);
  });

  it('never reorders the lexical hits the vector side did not find (property)', () => {
    const ids = fc.uniqueArray(fc.constantFrom(...'abcdefghijklmnop'.split('')), { maxLength: 12 });
    fc.assert(
      fc.property(ids, ids, (lexicalIds, vectorIds) => {
        const fused = agreementWeightedFusion(hits(...lexicalIds), hits(...vectorIds), settings);
        const onlyLexical = lexicalIds.filter((id) => !vectorIds.includes(id));
        const order = fused.map((hit) => hit.chunkId).filter((id) => onlyLexical.includes(id));
        expect(order).toEqual(onlyLexical);
        expect(new Set(fused.map((hit) => hit.chunkId))).toEqual(new Set([...lexicalIds, ...vectorIds]));
      }),
    );
  });
});

describe('rank-biased agreement (decision 0171)', () => {
  it.each([
    { case: 'identical lists', lexical: hits('a', 'b', 'c'), vector: hits('a', 'b', 'c'), rbo: 1 },
    { case: 'disjoint lists', lexical: hits('a', 'b', 'c'), vector: hits('x', 'y', 'z'), rbo: 0 },
    // d=1: 0/1, d=2: 2/2, d=3: 2/3; weights 1, 0.5, 0.25 -> (0 + 0.5 + 1/6) / 1.75
    {
      case: 'the top two swapped',
      lexical: hits('a', 'b', 'x'),
      vector: hits('b', 'a', 'y'),
      rbo: (0.5 + 1 / 6) / 1.75,
    },
  ])('$case: $rbo', ({ lexical, vector, rbo }) => {
    expect(rankBiasedOverlap(lexical, vector, 3, 0.5)).toBeCloseTo(rbo, 12);
  });

  it('counts agreement at the top more than the same agreement lower down', () => {
    const lexical = hits('a', 'b', 'c', 'd', 'e', 'f');
    const agreeAtTop = hits('a', 'b', 'x', 'y', 'z', 'w');
    const agreeBelow = hits('x', 'y', 'z', 'w', 'e', 'f');
    // The plain overlap cannot tell them apart; rank-biased overlap can.
    expect(agreementOf(lexical, agreeAtTop, 6)).toBe(agreementOf(lexical, agreeBelow, 6));
    expect(rankBiasedOverlap(lexical, agreeAtTop, 6, 0.9)).toBeGreaterThan(
      rankBiasedOverlap(lexical, agreeBelow, 6, 0.9),
    );
  });

  it('caps the vector side at maxWeight, and still gives it everything when the lexical side found nothing', () => {
    const capped = {
      k: 10,
      depth: 4,
      floor: 0,
      ceiling: 0.5,
      measure: 'rbo' as const,
      persistence: 0.9,
      maxWeight: 0.25,
    };
    expect(vectorWeightFor(hits('a', 'b', 'c', 'd'), hits('a', 'b', 'c', 'd'), capped)).toBe(0.25);
    expect(vectorWeightFor(hits('a', 'b', 'c', 'd'), hits('w', 'x', 'y', 'z'), capped)).toBe(0);
    expect(vectorWeightFor([], hits('x'), capped)).toBe(1);
  });

  it('is between 0 and 1 and symmetric (property)', () => {
    const ids = fc.uniqueArray(fc.constantFrom(...'abcdefghij'.split('')), { maxLength: 10 });
    fc.assert(
      fc.property(ids, ids, fc.double({ min: 0.1, max: 0.99, noNaN: true }), (left, right, persistence) => {
        const forward = rankBiasedOverlap(hits(...left), hits(...right), 10, persistence);
        const backward = rankBiasedOverlap(hits(...right), hits(...left), 10, persistence);
        expect(forward).toBeGreaterThanOrEqual(0);
        expect(forward).toBeLessThanOrEqual(1 + 1e-12);
        expect(forward).toBeCloseTo(backward, 12);
      }),
    );
  });
});

describe('the default fusion settings (decision 0171)', () => {
  const letters = 'abcdefghijklmnopqrst'.split('');
  const others = 'ABCDEFGHIJKLMNOPQRST'.split('');
  /** Two top-20 lists sharing `shared` hits. */
  const sides = (shared: number) => ({
    lexical: hits(...letters),
    vector: hits(...letters.slice(0, shared), ...others.slice(shared)),
  });

  it.each([
    { shared: 0, weight: 0 },
    { shared: 4, weight: 0 },
    { shared: 12, weight: 0.25 },
    { shared: 20, weight: 0.5 },
  ])('gives the vector side weight $weight when $shared of 20 agree', ({ shared, weight }) => {
    const { lexical, vector } = sides(shared);
    expect(vectorWeightFor(lexical, vector, DEFAULT_AGREEMENT_FUSION)).toBeCloseTo(weight, 12);
  });

  it('answers in the lexical order while a fifth or less of the top 20 agree', () => {
    const { lexical, vector } = sides(4);
    const fused = agreementWeightedFusion(lexical, vector, DEFAULT_AGREEMENT_FUSION);
    expect(fused.slice(0, 20).map((hit) => hit.chunkId)).toEqual(letters);
  });
});
