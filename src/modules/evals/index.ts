// Evals: versioned datasets typed by a capability's input schema, scorers (built-in and `defineScorer`),
// eval runs executed as jobs over model variants with per-variant confidence intervals, comparisons and reports.
export { type Comparison, compareRuns, type ItemChange } from './compare.ts';
export { registerDatasetRoutes } from './datasets.routes.ts';
export { DatasetsService, type ItemRequest } from './datasets.service.ts';
export type {
  Dataset,
  DatasetItem,
  EvalResult,
  EvalRun,
  EvalRunStatus,
  MetricSummary,
  ScorerSpec,
  VariantSummary,
} from './eval.types.ts';
export { createEvalRunWorkflow, EVAL_RUN_CAPABILITY, type EvalRunnerOptions } from './eval-run.workflow.ts';
export { registerEvalRunRoutes } from './eval-runs.routes.ts';
export { EvalRunsService, type JobStarter } from './eval-runs.service.ts';
export type { EvalStore, Page, PageQuery, RunPatch } from './eval-store.port.ts';
export { type EvalsDependencies, scorerRegistry, withEvalRunWorkflow } from './evals.dependencies.ts';
export { evalErrors } from './evals.errors.ts';
export { MemoryEvalStore } from './memory-eval-store.ts';
export { renderReport } from './report-html.ts';
export { builtinScorers } from './scorers/builtin-scorers.ts';
export {
  type AnyScorer,
  defineScorer,
  type Score,
  type Scorer,
  type ScorerContext,
  type ScorerDefinition,
  type ScoreSubject,
} from './scorers/define-scorer.ts';
export { labelMetrics, rougeL } from './scorers/text-metrics.ts';
export { SqlEvalStore } from './sql-eval-store.ts';
export { meanWithInterval, tQuantile975 } from './statistics.ts';
