import { z } from 'zod';
import type { Comparison, ItemChange } from './compare.ts';
import type { Dataset, DatasetItem, EvalResult, EvalRun, VariantSummary } from './eval.types.ts';

export const datasetSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    capability: z.string().describe('The capability whose input schema types the items.'),
    description: z.string(),
    version: z
      .number()
      .int()
      .describe('Latest version; each batch of added items makes the next one (0: empty).'),
    item_count: z.number().int(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Dataset' });

export const itemInputSchema = z
  .object({
    input: z.unknown().describe("A valid input of the dataset's capability (validated on insert)."),
    expected: z
      .unknown()
      .optional()
      .describe('What a good output is: a whole output, or the value a scorer compares at its `field`.'),
    reference: z
      .string()
      .max(100_000)
      .optional()
      .describe('Reference text for ROUGE-L, similarity and judges.'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'NewDatasetItem' });

export const itemSchema = z
  .object({
    id: z.string(),
    position: z.number().int(),
    version: z.number().int().describe('The dataset version that added it.'),
    input: z.unknown(),
    expected: z.unknown(),
    reference: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    feedback_id: z.string().nullable().describe('The feedback it was made from, if any.'),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'DatasetItem' });

const metricSchema = z.object({
  n: z.number().int(),
  mean: z.number(),
  ci95: z.array(z.number()).describe('95% Student t-interval on the mean, clamped to [0, 1].'),
  standard_deviation: z.number(),
});

export const variantSummarySchema = z
  .object({
    variant: z.string(),
    items: z.number().int(),
    errors: z.number().int(),
    metrics: z.record(z.string(), metricSchema),
    extra: z.record(z.string(), z.number()),
    latency_ms: z.object({ p50: z.number(), p95: z.number(), mean: z.number() }),
    tokens: z.object({ input: z.number().int(), output: z.number().int() }),
    cost_usd: z.number().nullable(),
  })
  .meta({ id: 'EvalVariantSummary' });

export const scorerSpecSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .describe('A built-in scorer (`exact`, `label`, `rouge-l`...) or a custom one.'),
    as: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]{0,63}$/)
      .optional()
      .describe('The metric name to report (default: the scorer name); needed to use one scorer twice.'),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'EvalScorer' });

export const runSchema = z
  .object({
    id: z.string(),
    dataset_id: z.string(),
    dataset_version: z.number().int(),
    capability: z.string(),
    variants: z.array(z.string()),
    scorers: z.array(
      z.object({ name: z.string(), as: z.string(), options: z.record(z.string(), z.unknown()) }),
    ),
    concurrency: z.number().int(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    job_id: z
      .string()
      .nullable()
      .describe('The `eval-run` job executing it (`GET /v1/jobs/{id}/events` for progress).'),
    completed: z.number().int(),
    total: z.number().int(),
    summary: z.array(variantSummarySchema).nullable(),
    error: z.object({ code: z.string(), detail: z.string() }).nullable(),
    created_at: z.iso.datetime(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'EvalRun' });

export const resultSchema = z
  .object({
    item_id: z.string(),
    position: z.number().int(),
    variant: z.string(),
    output: z.unknown(),
    scores: z.record(
      z.string(),
      z.object({ value: z.number(), details: z.record(z.string(), z.unknown()).optional() }).nullable(),
    ),
    latency_ms: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    cost_usd: z.number().nullable(),
    error: z.object({ code: z.string(), detail: z.string() }).nullable(),
  })
  .meta({ id: 'EvalResult' });

const changeSchema = z.object({
  item_id: z.string(),
  position: z.number().int(),
  changes: z.record(z.string(), z.array(z.number().nullable())),
  delta: z.number(),
  baseline_error: z.string().nullable(),
  candidate_error: z.string().nullable(),
});

export const comparisonSchema = z
  .object({
    baseline: z.object({ run_id: z.string(), variant: z.string() }),
    candidate: z.object({ run_id: z.string(), variant: z.string() }),
    metrics: z.array(z.string()),
    means: z.record(z.string(), z.object({ baseline: z.number(), candidate: z.number(), delta: z.number() })),
    regressed: z.array(changeSchema),
    improved: z.array(changeSchema),
    unchanged: z.number().int(),
    unmatched: z.number().int(),
  })
  .meta({ id: 'EvalComparison' });

export function presentDataset(dataset: Dataset): z.output<typeof datasetSchema> {
  return {
    id: dataset.id,
    name: dataset.name,
    capability: dataset.capability,
    description: dataset.description,
    version: dataset.version,
    item_count: dataset.itemCount,
    created_at: dataset.createdAt.toISOString(),
    updated_at: dataset.updatedAt.toISOString(),
  };
}

export function presentItem(item: DatasetItem): z.output<typeof itemSchema> {
  return {
    id: item.id,
    position: item.position,
    version: item.version,
    input: item.input,
    expected: item.expected ?? null,
    reference: item.reference,
    metadata: { ...item.metadata },
    feedback_id: item.feedbackId,
    created_at: item.createdAt.toISOString(),
  };
}

export function presentRun(run: EvalRun): z.output<typeof runSchema> {
  return {
    id: run.id,
    dataset_id: run.datasetId,
    dataset_version: run.datasetVersion,
    capability: run.capability,
    variants: [...run.variants],
    scorers: run.scorers.map((spec) => ({ name: spec.name, as: spec.as, options: { ...spec.options } })),
    concurrency: run.concurrency,
    status: run.status,
    job_id: run.jobId,
    completed: run.completed,
    total: run.total,
    summary: run.summary === null ? null : run.summary.map(presentSummary),
    error: run.error,
    created_at: run.createdAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    finished_at: run.finishedAt?.toISOString() ?? null,
  };
}

export function presentResult(result: EvalResult): z.output<typeof resultSchema> {
  return {
    item_id: result.itemId,
    position: result.position,
    variant: result.variant,
    output: result.output,
    scores: structuredClone(result.scores) as z.output<typeof resultSchema>['scores'],
    latency_ms: result.latencyMs,
    input_tokens: result.inputTokens,
    output_tokens: result.outputTokens,
    cost_usd: result.costUsd,
    error: result.error,
  };
}

/** A variant's aggregates as clients see them (ADR 0151: snake_case at the boundary). */
export function presentSummary(summary: VariantSummary): z.output<typeof variantSummarySchema> {
  return {
    variant: summary.variant,
    items: summary.items,
    errors: summary.errors,
    metrics: Object.fromEntries(
      Object.entries(summary.metrics).map(([name, metric]) => [
        name,
        {
          n: metric.n,
          mean: metric.mean,
          ci95: [...metric.ci95],
          standard_deviation: metric.standardDeviation,
        },
      ]),
    ),
    extra: { ...summary.extra },
    latency_ms: { ...summary.latencyMs },
    tokens: { ...summary.tokens },
    cost_usd: summary.costUsd,
  };
}

function presentChange(change: ItemChange): z.output<typeof changeSchema> {
  return {
    item_id: change.itemId,
    position: change.position,
    changes: Object.fromEntries(Object.entries(change.changes).map(([metric, pair]) => [metric, [...pair]])),
    delta: change.delta,
    baseline_error: change.baselineError,
    candidate_error: change.candidateError,
  };
}

export function presentComparison(comparison: Comparison): z.output<typeof comparisonSchema> {
  return {
    baseline: { run_id: comparison.baseline.runId, variant: comparison.baseline.variant },
    candidate: { run_id: comparison.candidate.runId, variant: comparison.candidate.variant },
    metrics: [...comparison.metrics],
    means: Object.fromEntries(
      Object.entries(comparison.means).map(([metric, mean]) => [metric, { ...mean }]),
    ),
    regressed: comparison.regressed.map(presentChange),
    improved: comparison.improved.map(presentChange),
    unchanged: comparison.unchanged,
    unmatched: comparison.unmatched,
  };
}
