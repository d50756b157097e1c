import type { EvalResult, MetricSummary, ScorerSpec, VariantSummary } from './eval.types.ts';
import type { AnyScorer, Score } from './scorers/define-scorer.ts';
import { meanWithInterval, quantile } from './statistics.ts';

/**
 * Per-variant aggregates of a run's results: for each metric the mean over the items it applied to with
 * a 95% t-interval; an item whose invocation failed counts as 0 on every metric (a failure is never
 * "not applicable"). Plus latency percentiles, tokens, cost, and scorers' whole-variant metrics.
 */
export function summarize(
  variants: readonly string[],
  specs: readonly ScorerSpec[],
  scorers: ReadonlyMap<string, AnyScorer>,
  results: readonly EvalResult[],
): VariantSummary[] {
  return variants.map((variant) => {
    const mine = results.filter((result) => result.variant === variant);
    const metrics: Record<string, MetricSummary> = {};
    const extra: Record<string, number> = {};
    for (const spec of specs) {
      const values: number[] = [];
      const applied: Score[] = [];
      for (const result of mine) {
        const score = result.scores[spec.as];
        if (score === null || score === undefined) continue;
        values.push(score.value);
        if (result.error === null) applied.push(score);
      }
      const interval = meanWithInterval(values);
      metrics[spec.as] = {
        n: interval.n,
        mean: interval.n === 0 ? 0 : interval.mean,
        ci95: interval.n === 0 ? [0, 0] : interval.ci95,
        standardDeviation: interval.n === 0 ? 0 : interval.standardDeviation,
      };
      const scorer = scorers.get(spec.name);
      if (scorer?.aggregate && applied.length > 0) {
        const options = scorer.options.parse(spec.options);
        for (const [name, value] of Object.entries(scorer.aggregate(applied, options))) {
          extra[`${spec.as}.${name}`] = value;
        }
      }
    }
    const latencies = mine.map((result) => result.latencyMs);
    const priced = mine.filter((result) => result.costUsd !== null);
    return {
      variant,
      items: mine.length,
      errors: mine.filter((result) => result.error !== null).length,
      metrics,
      extra,
      latencyMs: {
        p50: latencies.length ? quantile(latencies, 0.5) : 0,
        p95: latencies.length ? quantile(latencies, 0.95) : 0,
        mean: latencies.length ? latencies.reduce((sum, value) => sum + value, 0) / latencies.length : 0,
      },
      tokens: {
        input: mine.reduce((sum, result) => sum + result.inputTokens, 0),
        output: mine.reduce((sum, result) => sum + result.outputTokens, 0),
      },
      costUsd: priced.length === 0 ? null : priced.reduce((sum, result) => sum + (result.costUsd ?? 0), 0),
    };
  });
}

/** The mean of an item's metrics (those that applied): what "this item got better or worse" compares. */
export function itemMean(result: EvalResult, metrics: readonly string[]): number | null {
  const values = metrics
    .map((metric) => result.scores[metric])
    .filter((score): score is NonNullable<typeof score> => score !== null && score !== undefined)
    .map((score) => score.value);
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}
