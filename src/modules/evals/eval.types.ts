/** A named, versioned list of test cases for one capability. Each addition of items makes a new version. */
export interface Dataset {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly capability: string;
  readonly description: string;
  /** 0 while empty; each batch of added items makes the next version. */
  readonly version: number;
  readonly itemCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One test case: an input valid for the capability, with what a good output is (or a reference text). */
export interface DatasetItem {
  readonly id: string;
  readonly datasetId: string;
  readonly tenantId: string;
  /** The dataset version that added it; a run at version v sees every item with `version <= v`. */
  readonly version: number;
  /** Order within the dataset (0, 1, 2...), stable across versions. */
  readonly position: number;
  readonly input: unknown;
  readonly expected: unknown;
  readonly reference: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The feedback it was made from, when it came from `items:from-feedback`. */
  readonly feedbackId: string | null;
  readonly createdAt: Date;
}

export type NewDatasetItem = Pick<
  DatasetItem,
  'input' | 'expected' | 'reference' | 'metadata' | 'feedbackId'
>;

/** A scorer a run applies: its name, options, and the metric name it reports (`as`, default the name). */
export interface ScorerSpec {
  readonly name: string;
  readonly as: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export interface MetricSummary {
  /** Items the metric applied to (those with something to compare and no invocation error). */
  readonly n: number;
  readonly mean: number;
  /** 95% Student t-interval on the mean, clamped to [0, 1]. */
  readonly ci95: readonly [number, number];
  readonly standardDeviation: number;
}

/** Aggregates of one variant over every item of the run. */
export interface VariantSummary {
  readonly variant: string;
  readonly items: number;
  readonly errors: number;
  /** Per metric; an item whose invocation failed scores 0 on every metric. */
  readonly metrics: Readonly<Record<string, MetricSummary>>;
  /** Extra whole-variant metrics from scorers (`label.macro_f1`). */
  readonly extra: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly mean: number };
  readonly tokens: { readonly input: number; readonly output: number };
  /** Summed model cost in USD; null when no item was priced. */
  readonly costUsd: number | null;
}

export type EvalRunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface EvalRun {
  readonly id: string;
  readonly tenantId: string;
  readonly datasetId: string;
  readonly datasetVersion: number;
  readonly capability: string;
  readonly variants: readonly string[];
  readonly scorers: readonly ScorerSpec[];
  readonly concurrency: number;
  readonly status: EvalRunStatus;
  readonly jobId: string | null;
  readonly completed: number;
  readonly total: number;
  readonly summary: readonly VariantSummary[] | null;
  readonly error: { readonly code: string; readonly detail: string } | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface ItemScore {
  readonly value: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The outcome of one item under one variant. */
export interface EvalResult {
  readonly runId: string;
  readonly itemId: string;
  readonly position: number;
  readonly variant: string;
  readonly output: unknown;
  /** Metric name -> score; null when the scorer did not apply to this item. */
  readonly scores: Readonly<Record<string, ItemScore | null>>;
  readonly latencyMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly error: { readonly code: string; readonly detail: string } | null;
}
