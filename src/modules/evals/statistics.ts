/**
 * Summary statistics of per-item scores. Confidence intervals are two-sided 95% Student t-intervals on
 * the mean (mean ± t(0.975, n-1) · s/√n): deterministic, so the same run always reports the same interval
 * (ADR 0082). With one value the interval is the value itself.
 */

export interface MeanWithInterval {
  readonly n: number;
  readonly mean: number;
  readonly standardDeviation: number;
  /** [low, high] of the 95% interval, clamped to [min, max] of the metric's range when given. */
  readonly ci95: readonly [number, number];
}

// t(0.975, df) for df = 1..30; beyond that the Cornish-Fisher expansion below is exact to 1e-4.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  const tabled = T_975[Math.floor(df) - 1];
  if (tabled !== undefined) return tabled;
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

export function meanWithInterval(
  values: readonly number[],
  range: readonly [number, number] | null = [0, 1],
): MeanWithInterval {
  const n = values.length;
  if (n === 0)
    return { n: 0, mean: Number.NaN, standardDeviation: Number.NaN, ci95: [Number.NaN, Number.NaN] };
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n === 1) return { n, mean, standardDeviation: 0, ci95: [mean, mean] };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  const standardDeviation = Math.sqrt(variance);
  const half = tQuantile975(n - 1) * (standardDeviation / Math.sqrt(n));
  let low = mean - half;
  let high = mean + half;
  if (range) {
    low = Math.max(range[0], low);
    high = Math.min(range[1], high);
  }
  return { n, mean, standardDeviation, ci95: [low, high] };
}

/** The q-quantile (0..1) by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? 0;
  const high = sorted[above] ?? low;
  return low + (high - low) * (position - below);
}
