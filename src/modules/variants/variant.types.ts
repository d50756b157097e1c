/** A capability's prompt, model and settings, frozen under a version: `summarize@3`. Never changed once made. */
export interface Variant {
  /** `<capability>@<version>`. */
  readonly id: string;
  readonly capability: string;
  /** 1, 2, 3... per capability, in creation order. */
  readonly version: number;
  /** Instructions (a system prompt) capability code adds to its own; null keeps the capability's. */
  readonly instructions: string | null;
  /** An alias or `provider:model` (or `local`); null keeps the capability's route. */
  readonly model: string | null;
  /** Free settings capability code may read (built-ins read `temperature`, `max_output_tokens`). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly description: string | null;
  /** Where it was made: the admin API (and CLI), or keel.config.ts. */
  readonly source: 'api' | 'config';
  readonly createdAt: Date;
}

export interface NewVariant {
  readonly capability: string;
  readonly instructions: string | null;
  readonly model: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly description: string | null;
  readonly source: 'api' | 'config';
  /** Config declarations name their version; the API takes the next one. */
  readonly version?: number;
}

/** When a canary is taken out of traffic on its own (every threshold is checked one-sided, at `confidence`). */
export interface AutoRollbackSettings {
  readonly enabled: boolean;
  /** Calls each of stable and canary needs (since the policy changed) before anything is decided. */
  readonly minSamples: number;
  /** One-sided confidence of each test (0.9 to 0.999). */
  readonly confidence: number;
  /** Rolled back when the canary's error rate (schema failures included) exceeds stable's by more than this. */
  readonly maxErrorRateIncrease: number;
  /** Rolled back when the canary's calls exceed this multiple of stable's p95 latency significantly more than 5% of the time. */
  readonly maxLatencyP95Ratio: number | null;
  /**
   * Rolled back when a reference-free scorer's mean on the canary is below stable's by more than `maxDrop`.
   * It scores a `sampleRate` share (default all) of stable and canary calls, after their response.
   */
  readonly scorer: {
    readonly name: string;
    readonly options: unknown;
    readonly maxDrop: number;
    readonly sampleRate?: number;
  } | null;
}

export interface ShadowPolicy {
  readonly version: number;
  /** Fraction of live calls (0..1) that also run this variant, after the response. */
  readonly sampleRate: number;
  /** At most this many shadow runs per minute (per process): their own rate, apart from callers' limits. */
  readonly maxPerMinute: number;
}

/** Which variant serves a capability's calls; one per capability. */
export interface TrafficPolicy {
  readonly capability: string;
  /** null: the capability as coded (no variant). */
  readonly stable: number | null;
  readonly canary: { readonly version: number; readonly percent: number } | null;
  readonly shadows: readonly ShadowPolicy[];
  readonly autoRollback: AutoRollbackSettings;
  /** Bumped on every change; online counters restart with it. */
  readonly revision: number;
  readonly updatedAt: Date;
}

export type VariantEventType = 'traffic-changed' | 'promoted' | 'rolled-back' | 'auto-rolled-back';

export interface VariantEvent {
  readonly id: string;
  readonly capability: string;
  readonly type: VariantEventType;
  /** The variant the event is about (the promoted or rolled back one). */
  readonly version: number | null;
  /** Why (for an automatic rollback: the test that failed, with its figures) and the policy after. */
  readonly details: Readonly<Record<string, unknown>>;
  /** For events with a webhook: `delivered`, `failed` (after retries), `none` when no webhook is set. */
  readonly webhook: 'pending' | 'delivered' | 'failed' | 'none';
  readonly createdAt: Date;
}

export type ServingRole = 'stable' | 'canary' | 'shadow';

/** One observed call of a variant: live (stable or canary) or a shadow run. Rating arrives later, as feedback. */
export interface VariantObservation {
  readonly requestId: string;
  readonly tenantId: string;
  readonly capability: string;
  /** null: the capability as coded (no stable variant). */
  readonly version: number | null;
  readonly role: ServingRole;
  readonly outcome: 'succeeded' | 'failed' | 'aborted';
  readonly errorCode: string | null;
  /** False when the output broke the capability's schema (CAPABILITY_OUTPUT_INVALID, GATEWAY_OUTPUT_INVALID). */
  readonly schemaValid: boolean;
  readonly latencyMs: number;
  readonly costUsd: number;
  /** The configured scorer's value, when one is configured and applied. */
  readonly score: number | null;
  /** Shadows: agreement with the stable output (0..1). */
  readonly agreement: number | null;
  readonly createdAt: Date;
}

/** Sums over a set of observations, from which rates, means and t-intervals follow. */
export interface ObservationAggregate {
  readonly version: number | null;
  readonly role: ServingRole;
  /** Start of the time bucket; null for the whole window. */
  readonly bucket: Date | null;
  readonly calls: number;
  readonly errors: number;
  readonly schemaFailures: number;
  readonly latencySum: number;
  readonly latencyP95: number | null;
  readonly costSum: number;
  readonly costSquares: number;
  readonly ratings: Moments;
  readonly scores: Moments;
  readonly agreements: Moments;
}

export interface Moments {
  readonly n: number;
  readonly sum: number;
  readonly squares: number;
}

export const DEFAULT_AUTO_ROLLBACK: AutoRollbackSettings = Object.freeze({
  enabled: true,
  minSamples: 20,
  confidence: 0.95,
  maxErrorRateIncrease: 0.05,
  maxLatencyP95Ratio: null,
  scorer: null,
});

export function variantId(capability: string, version: number): string {
  return `${capability}@${version}`;
}
