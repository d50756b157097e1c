import { tQuantile975 } from '../evals/index.ts';
import type { Moments, ObservationAggregate, ServingRole } from './variant.types.ts';

/** A mean with the eval module's two-sided 95% t-interval (ADR 0082), from sums instead of values. */
export interface IntervalView {
  readonly n: number;
  readonly mean: number | null;
  readonly ci95: [number, number] | null;
}

export function intervalOf(moments: Moments, range: readonly [number, number] | null = [0, 1]): IntervalView {
  const { n, sum, squares } = moments;
  if (n === 0) return { n, mean: null, ci95: null };
  const mean = sum / n;
  if (n === 1) return { n, mean, ci95: [mean, mean] };
  const variance = Math.max(0, (squares - n * mean * mean) / (n - 1));
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  const low = range ? Math.max(range[0], mean - half) : mean - half;
  const high = range ? Math.min(range[1], mean + half) : mean + half;
  return { n, mean, ci95: [low, high] };
}

/** A rate (0/1 values) as a mean with its interval: the sum of squares of 0/1 values is their sum. */
function rate(count: number, calls: number): IntervalView {
  return intervalOf({ n: calls, sum: count, squares: count });
}

export interface VariantStatistics {
  readonly version: number | null;
  readonly role: ServingRole;
  readonly calls: number;
  readonly errorRate: IntervalView;
  readonly schemaFailureRate: IntervalView;
  readonly latencyMeanMs: number | null;
  readonly latencyP95Ms: number | null;
  readonly costUsd: IntervalView;
  readonly costTotalUsd: number;
  readonly rating: IntervalView;
  readonly score: IntervalView;
  readonly agreement: IntervalView;
}

export function statisticsOf(row: ObservationAggregate): VariantStatistics {
  return {
    version: row.version,
    role: row.role,
    calls: row.calls,
    errorRate: rate(row.errors, row.calls),
    schemaFailureRate: rate(row.schemaFailures, row.calls),
    latencyMeanMs: row.calls === 0 ? null : row.latencySum / row.calls,
    latencyP95Ms: row.latencyP95,
    costUsd: intervalOf({ n: row.calls, sum: row.costSum, squares: row.costSquares }, null),
    costTotalUsd: row.costSum,
    rating: intervalOf(row.ratings),
    score: intervalOf(row.scores),
    agreement: intervalOf(row.agreements),
  };
}
