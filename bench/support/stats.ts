/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/**
 * A 95 % interval for mean(numerator) / mean(denominator) over paired per-item values (per-query nDCG of
 * two rankers), by resampling the items with replacement `resamples` times from a seeded generator.
 */
export function pairedRatioInterval(
  numerator: readonly number[],
  denominator: readonly number[],
  resamples = 2_000,
  seed = 1,
): { low: number; high: number } {
  if (numerator.length !== denominator.length || numerator.length === 0)
    throw new Error('paired values of the same, non-zero length are needed');
  let state = seed >>> 0;
  const random = () => {
    // mulberry32: small, seeded, good enough for resampling.
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 2 ** 32;
  };
  const count = numerator.length;
  const ratios: number[] = [];
  for (let round = 0; round < resamples; round++) {
    let top = 0;
    let bottom = 0;
    for (let draw = 0; draw < count; draw++) {
      const index = Math.floor(random() * count);
      top += numerator[index] ?? 0;
      bottom += denominator[index] ?? 0;
    }
    ratios.push(bottom === 0 ? Number.NaN : top / bottom);
  }
  const sorted = ratios.filter((ratio) => !Number.isNaN(ratio)).sort((a, b) => a - b);
  const at = (share: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? Number.NaN;
  return { low: at(0.025), high: at(0.975) };
}
