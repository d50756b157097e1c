import { describe, expect, it } from 'vitest';
import { pairedRatioInterval } from '../../bench/support/stats.ts';

describe('pairedRatioInterval', () => {
  it('is a point when one side is a fixed multiple of the other', () => {
    const base = [0.2, 0.5, 1, 0, 0.7];
    expect(pairedRatioInterval(base, base)).toEqual({ low: 1, high: 1 });
    const doubled = pairedRatioInterval(
      base.map((value) => value * 2),
      base,
    );
    expect(doubled.low).toBeCloseTo(2, 12);
    expect(doubled.high).toBeCloseTo(2, 12);
  });

  it('brackets the observed ratio, widens with fewer items, and repeats for a seed', () => {
    const first = Array.from({ length: 200 }, (_, index): number => (index % 3 === 0 ? 1 : 0.5));
    const second = Array.from({ length: 200 }, (_, index): number => (index % 4 === 0 ? 1 : 0.4));
    const observed = first.reduce((a, b) => a + b) / second.reduce((a, b) => a + b);
    const wide = pairedRatioInterval(first.slice(0, 20), second.slice(0, 20));
    const narrow = pairedRatioInterval(first, second);
    expect(narrow.low).toBeLessThan(observed);
    expect(narrow.high).toBeGreaterThan(observed);
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low);
    expect(pairedRatioInterval(first, second)).toEqual(narrow);
  });

  it('refuses unpaired values', () => {
    expect(() => pairedRatioInterval([1, 2], [1])).toThrow(/paired/u);
  });
});
