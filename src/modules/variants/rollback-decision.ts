import type { AutoRollbackSettings } from './variant.types.ts';

/** What one process has seen of a variant's live calls since the policy's revision (bounded memory). */
export class LiveWindow {
  calls = 0;
  errors = 0;
  scoreN = 0;
  scoreSum = 0;
  scoreSquares = 0;
  /** The latest latencies, a ring of `capacity` values. */
  readonly latencies: number[] = [];
  #next = 0;
  readonly #capacity: number;

  constructor(capacity = 2_000) {
    this.#capacity = capacity;
  }

  add(failed: boolean, latencyMs: number): void {
    this.calls += 1;
    if (failed) this.errors += 1;
    if (this.latencies.length < this.#capacity) this.latencies.push(latencyMs);
    else {
      this.latencies[this.#next] = latencyMs;
      this.#next = (this.#next + 1) % this.#capacity;
    }
  }

  addScore(value: number): void {
    this.scoreN += 1;
    this.scoreSum += value;
    this.scoreSquares += value * value;
  }
}

export interface RollbackReason {
  readonly metric: 'error_rate' | 'latency_p95' | 'score';
  /** One line for the event and the webhook. */
  readonly summary: string;
  readonly stable: Readonly<Record<string, number>>;
  readonly canary: Readonly<Record<string, number>>;
  /** The test statistic and the critical value it exceeded. */
  readonly z: number;
  readonly critical: number;
}

/**
 * Whether the canary is worse than stable beyond the thresholds, each with a one-sided test at the
 * configured confidence, once both have `minSamples` calls:
 * - error rate (schema failures included): a z-test that p_canary - p_stable > maxErrorRateIncrease
 *   (unpooled standard error, since the null hypothesis is a difference, not equality);
 * - latency p95: the share of canary calls slower than ratio x stable's p95 against the 5% that stable's
 *   own calls exceed its p95 by definition (a binomial z-test on that share);
 * - a scorer's mean: Welch's z on mean_stable - mean_canary > maxDrop.
 * The first threshold crossed is the reason; undefined when none is.
 */
export function decideRollback(
  stable: LiveWindow,
  canary: LiveWindow,
  settings: AutoRollbackSettings,
): RollbackReason | undefined {
  if (!settings.enabled || stable.calls < settings.minSamples || canary.calls < settings.minSamples) {
    return undefined;
  }
  const critical = normalQuantile(settings.confidence);
  const pStable = stable.errors / stable.calls;
  const pCanary = canary.errors / canary.calls;
  const difference = pCanary - pStable - settings.maxErrorRateIncrease;
  const errorSe = Math.sqrt(
    (pCanary * (1 - pCanary)) / canary.calls + (pStable * (1 - pStable)) / stable.calls,
  );
  const errorZ = errorSe === 0 ? (difference > 0 ? Number.POSITIVE_INFINITY : 0) : difference / errorSe;
  if (errorZ > critical) {
    return {
      metric: 'error_rate',
      summary: `canary error rate ${percent(pCanary)} vs stable ${percent(pStable)} (n=${canary.calls}/${stable.calls}): worse by more than ${percent(settings.maxErrorRateIncrease)} at ${percent(settings.confidence)} confidence`,
      stable: { calls: stable.calls, errors: stable.errors, error_rate: pStable },
      canary: { calls: canary.calls, errors: canary.errors, error_rate: pCanary },
      z: finite(errorZ),
      critical,
    };
  }
  if (settings.maxLatencyP95Ratio !== null) {
    const stableP95 = quantile(stable.latencies, 0.95);
    const limit = stableP95 * settings.maxLatencyP95Ratio;
    const n = canary.latencies.length;
    const slower = canary.latencies.filter((latency) => latency > limit).length;
    const share = slower / n;
    const latencyZ = (share - 0.05) / Math.sqrt((0.05 * 0.95) / n);
    if (latencyZ > critical) {
      return {
        metric: 'latency_p95',
        summary: `${percent(share)} of canary calls slower than ${settings.maxLatencyP95Ratio}x stable p95 (${Math.round(stableP95)} ms), expected at most 5%`,
        stable: { calls: stable.calls, latency_p95_ms: stableP95 },
        canary: {
          calls: canary.calls,
          latency_p95_ms: quantile(canary.latencies, 0.95),
          share_slower: share,
        },
        z: latencyZ,
        critical,
      };
    }
  }
  if (
    settings.scorer !== null &&
    stable.scoreN >= settings.minSamples &&
    canary.scoreN >= settings.minSamples
  ) {
    const stableMean = stable.scoreSum / stable.scoreN;
    const canaryMean = canary.scoreSum / canary.scoreN;
    const variance = (window: LiveWindow, mean: number) =>
      Math.max(0, (window.scoreSquares - window.scoreN * mean * mean) / Math.max(1, window.scoreN - 1));
    const se = Math.sqrt(
      variance(stable, stableMean) / stable.scoreN + variance(canary, canaryMean) / canary.scoreN,
    );
    const drop = stableMean - canaryMean - settings.scorer.maxDrop;
    const scoreZ = se === 0 ? (drop > 0 ? Number.POSITIVE_INFINITY : 0) : drop / se;
    if (scoreZ > critical) {
      return {
        metric: 'score',
        summary: `canary ${settings.scorer.name} mean ${canaryMean.toFixed(3)} vs stable ${stableMean.toFixed(3)}: lower by more than ${settings.scorer.maxDrop}`,
        stable: { scored: stable.scoreN, mean: stableMean },
        canary: { scored: canary.scoreN, mean: canaryMean },
        z: finite(scoreZ),
        critical,
      };
    }
  }
  return undefined;
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.6968302866538, 220.946098424521, -275.928510446969, 138.357751867269, -30.6647980661472,
    2.50662827745924,
  ];
  const b = [-54.4760987982241, 161.585836858041, -155.698979859887, 66.8013118877197, -13.2806815528857];
  const c = [
    -0.00778489400243029, -0.322396458041136, -2.40075827716184, -2.54973253934373, 4.37466414146497,
    2.93816398269878,
  ];
  const d = [0.00778469570904146, 0.32246712907004, 2.445134137143, 3.75440866190742];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] ?? 0;
  const above = sorted[Math.ceil(position)] ?? below;
  return below + (above - below) * (position - Math.floor(position));
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function finite(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 1e6;
}
