import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  agreementOf,
  agreementWeightedFusion,
  DEFAULT_AGREEMENT_FUSION,
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
