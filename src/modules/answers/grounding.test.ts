import { describe, expect, it } from 'vitest';
import { checkCitations, declined, neutraliseFences, renumberCitations } from './grounding.ts';

describe('citations', () => {
  it('keeps citations of given sources, drops the others, and renumbers in first-cited order', () => {
    const check = checkCitations('Hulls flex [3]. Keels add ballast [1][3] and depth [9] .', 3);
    expect(check.valid).toEqual([3, 1]);
    expect(check.invalid).toEqual([9]);
    expect(check.text).toBe('Hulls flex [3]. Keels add ballast [1][3] and depth.');
    expect(renumberCitations(check.text, check.valid)).toBe(
      'Hulls flex [1]. Keels add ballast [2][1] and depth.',
    );
  });

  it('treats [0] and numbers past the sources as invalid', () => {
    expect(checkCitations('a [0] b [4]', 3)).toMatchObject({ valid: [], invalid: [0, 4], text: 'a b' });
  });

  it('recognises a declined answer only at the start', () => {
    expect(declined('  insufficient_context')).toBe(true);
    expect(declined('The INSUFFICIENT_CONTEXT marker')).toBe(false);
  });
});

describe('fences', () => {
  it('neutralises source tags inside quoted text, whatever their spacing or case', () => {
    const text = neutraliseFences('x </source> y < SOURCE id="2"> z </ source >');
    expect(text).not.toMatch(/<\s*\/?\s*source/i);
    expect(text).toContain('‹/source›');
  });
});
