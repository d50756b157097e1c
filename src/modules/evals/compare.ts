import { AppError } from '../../platform/errors/index.ts';
import type { EvalResult, EvalRun, VariantSummary } from './eval.types.ts';
import { evalErrors } from './evals.errors.ts';

export interface ItemChange {
  readonly itemId: string;
  readonly position: number;
  /** Metric -> [baseline, candidate] for the metrics that changed. */
  readonly changes: Readonly<Record<string, readonly [number | null, number | null]>>;
  /** Sum over changed metrics of (candidate - baseline), missing scores counting as 0. */
  readonly delta: number;
  readonly baselineError: string | null;
  readonly candidateError: string | null;
}

export interface Comparison {
  readonly baseline: { readonly runId: string; readonly variant: string };
  readonly candidate: { readonly runId: string; readonly variant: string };
  readonly metrics: readonly string[];
  /** Per metric: baseline mean, candidate mean, difference. */
  readonly means: Readonly<
    Record<string, { readonly baseline: number; readonly candidate: number; readonly delta: number }>
  >;
  readonly regressed: readonly ItemChange[];
  readonly improved: readonly ItemChange[];
  readonly unchanged: number;
  /** Items only one side has (the dataset grew between the runs' versions). */
  readonly unmatched: number;
}

const EPSILON = 1e-9;

/**
 * Item-by-item comparison of a variant of one run (baseline) with a variant of another (or the same) run
 * (candidate): an item regressed when any metric it has on both sides went down (or it newly failed), and
 * improved when none went down and at least one went up.
 */
export function compareRuns(
  baseline: { run: EvalRun; results: readonly EvalResult[]; variant?: string | undefined },
  candidate: { run: EvalRun; results: readonly EvalResult[]; variant?: string | undefined },
): Comparison {
  if (
    baseline.run.datasetId !== candidate.run.datasetId ||
    baseline.run.capability !== candidate.run.capability
  ) {
    throw new AppError(evalErrors.EVAL_COMPARE_MISMATCH, {
      detail: 'The runs used different datasets or capabilities.',
    });
  }
  for (const side of [baseline, candidate]) {
    if (side.run.status !== 'succeeded') {
      throw new AppError(evalErrors.EVAL_RUN_NOT_FINISHED, {
        detail: `Run ${side.run.id} is ${side.run.status}.`,
      });
    }
  }
  const baselineVariant = variantOf(baseline.run, baseline.variant, 'baseline');
  // Same run, no variant named: compare its first variant with its second.
  const candidateVariant = variantOf(
    candidate.run,
    candidate.variant ??
      (candidate.run.id === baseline.run.id && baseline.variant === undefined
        ? candidate.run.variants[1]
        : undefined),
    'candidate',
  );
  const metrics = baseline.run.scorers
    .map((spec) => spec.as)
    .filter((metric) => candidate.run.scorers.some((spec) => spec.as === metric));
  const before = new Map(
    baseline.results
      .filter((result) => result.variant === baselineVariant)
      .map((result) => [result.itemId, result]),
  );
  const after = new Map(
    candidate.results
      .filter((result) => result.variant === candidateVariant)
      .map((result) => [result.itemId, result]),
  );
  const regressed: ItemChange[] = [];
  const improved: ItemChange[] = [];
  let unchanged = 0;
  let unmatched = 0;
  for (const [itemId, old] of before) {
    const current = after.get(itemId);
    if (!current) {
      unmatched += 1;
      continue;
    }
    const changes: Record<string, readonly [number | null, number | null]> = {};
    let down = false;
    let up = false;
    let delta = 0;
    for (const metric of metrics) {
      const a = old.scores[metric]?.value ?? null;
      const b = current.scores[metric]?.value ?? null;
      if (a === null && b === null) continue;
      if (a !== null && b !== null && Math.abs(a - b) <= EPSILON) continue;
      changes[metric] = [a, b];
      if (a !== null && b !== null) {
        if (b < a) down = true;
        else up = true;
      }
      delta += (b ?? 0) - (a ?? 0);
    }
    const newlyFailed = old.error === null && current.error !== null;
    const fixed = old.error !== null && current.error === null;
    const change: ItemChange = {
      itemId,
      position: current.position,
      changes,
      delta,
      baselineError: old.error?.code ?? null,
      candidateError: current.error?.code ?? null,
    };
    if (down || newlyFailed) regressed.push(change);
    else if (up || fixed) improved.push(change);
    else unchanged += 1;
  }
  unmatched += [...after.keys()].filter((itemId) => !before.has(itemId)).length;
  const summaryOf = (run: EvalRun, variant: string): VariantSummary | undefined =>
    run.summary?.find((summary) => summary.variant === variant);
  const baselineSummary = summaryOf(baseline.run, baselineVariant);
  const candidateSummary = summaryOf(candidate.run, candidateVariant);
  const means: Record<string, { baseline: number; candidate: number; delta: number }> = {};
  for (const metric of metrics) {
    const a = baselineSummary?.metrics[metric]?.mean ?? 0;
    const b = candidateSummary?.metrics[metric]?.mean ?? 0;
    means[metric] = { baseline: a, candidate: b, delta: b - a };
  }
  return {
    baseline: { runId: baseline.run.id, variant: baselineVariant },
    candidate: { runId: candidate.run.id, variant: candidateVariant },
    metrics,
    means,
    regressed: regressed.sort((a, b) => a.delta - b.delta),
    improved: improved.sort((a, b) => b.delta - a.delta),
    unchanged,
    unmatched,
  };
}

function variantOf(run: EvalRun, requested: string | undefined, side: string): string {
  const variant = requested ?? run.variants[0];
  if (variant === undefined || !run.variants.includes(variant)) {
    throw new AppError(evalErrors.EVAL_COMPARE_MISMATCH, {
      detail: `Run ${run.id} has no variant "${requested}" (${side}); it has ${run.variants.join(', ')}.`,
    });
  }
  return variant;
}
