import type {
  CapabilityVariant,
  RoutedInvocation,
  VariantChoice,
  VariantRouter,
} from '../capabilities/index.ts';
import { decideRollback, LiveWindow, type RollbackReason } from './rollback-decision.ts';
import { inCanary, trafficBucket } from './traffic-split.ts';
import type { ShadowPolicy, TrafficPolicy, Variant, VariantObservation } from './variant.types.ts';

/** Error codes that mean "the output broke the contract" (counted as schema failures). */
export const SCHEMA_FAILURE_CODES: ReadonlySet<string> = new Set([
  'CAPABILITY_OUTPUT_INVALID',
  'GATEWAY_OUTPUT_INVALID',
]);

/** A capability's policy with its variants resolved, as the stable path reads it (memory only). */
export interface ResolvedPolicy {
  readonly policy: TrafficPolicy;
  readonly stable: VariantChoice;
  readonly canary: VariantChoice | null;
  readonly shadows: ReadonlyArray<{ readonly variant: CapabilityVariant; readonly settings: ShadowPolicy }>;
}

/** A shadow to run after a live call: scheduled as a job by whoever the routing is given. */
export interface ShadowRequest {
  readonly capability: string;
  readonly variant: CapabilityVariant;
  readonly settings: ShadowPolicy;
  readonly stableVersion: number | null;
  readonly requestId: string;
  readonly tenantId: string;
  readonly input: unknown;
  readonly stableOutput: unknown;
}

export interface VariantRoutingOptions {
  /** Receives every observed live call (written behind, in batches). */
  readonly observe: (observation: VariantObservation) => void;
  /** Schedules a sampled shadow run (after the response); absent: shadows are not run in this process. */
  readonly scheduleShadow?: (request: ShadowRequest) => void;
  /** Called once per policy revision when the canary crosses a threshold; persists the rollback. */
  readonly rollBack: (capability: string, revision: number, reason: RollbackReason) => void;
  /** A live scorer's value for a call (the policy's auto-rollback scorer), or null when none applies. */
  readonly score?: (policy: TrafficPolicy, invocation: RoutedInvocation) => Promise<number | null>;
  readonly random?: () => number;
  readonly now?: () => Date;
}

interface Windows {
  readonly revision: number;
  readonly stable: LiveWindow;
  readonly canary: LiveWindow;
  decided: boolean;
}

/**
 * The stable path's view of variants: `choose` answers from a map rebuilt whenever a policy changes (in
 * this process or, through the notifier, another); `observe` counts live calls per policy revision for
 * automatic rollback, hands observations to the writer, and samples shadows. Neither waits nor throws.
 */
export class VariantRouting implements VariantRouter {
  #table = new Map<string, ResolvedPolicy>();
  readonly #windows = new Map<string, Windows>();
  readonly #options: VariantRoutingOptions;
  readonly #random: () => number;
  readonly #now: () => Date;

  constructor(options: VariantRoutingOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => new Date());
  }

  /** Replaces the routing table (policies with their variants); counters restart for changed revisions. */
  replace(policies: readonly TrafficPolicy[], variants: readonly Variant[]): void {
    const byId = new Map(variants.map((variant) => [variant.id, toCapabilityVariant(variant)]));
    const lookup = (capability: string, version: number | null) =>
      version === null ? null : (byId.get(`${capability}@${version}`) ?? null);
    const table = new Map<string, ResolvedPolicy>();
    for (const policy of policies) {
      if (policy.stable === null && policy.canary === null && policy.shadows.length === 0) continue;
      const canary = policy.canary ? lookup(policy.capability, policy.canary.version) : null;
      table.set(policy.capability, {
        policy,
        stable: Object.freeze({ variant: lookup(policy.capability, policy.stable), role: 'stable' }),
        canary: canary ? Object.freeze({ variant: canary, role: 'canary' }) : null,
        shadows: policy.shadows.flatMap((settings) => {
          const variant = lookup(policy.capability, settings.version);
          return variant ? [{ variant, settings }] : [];
        }),
      });
    }
    this.#table = table;
  }

  /** The resolved policy of a capability (tests, the comparison endpoint). */
  resolved(capability: string): ResolvedPolicy | undefined {
    return this.#table.get(capability);
  }

  choose(capability: string, subject: string): VariantChoice | undefined {
    const resolved = this.#table.get(capability);
    if (resolved === undefined) return undefined;
    const canary = resolved.canary;
    if (
      canary !== null &&
      inCanary(trafficBucket(capability, subject), resolved.policy.canary?.percent ?? 0)
    ) {
      return canary;
    }
    return resolved.stable;
  }

  observe(invocation: RoutedInvocation): void {
    const resolved = this.#table.get(invocation.capability);
    if (resolved === undefined) return;
    const { policy } = resolved;
    const schemaValid = invocation.errorCode === null || !SCHEMA_FAILURE_CODES.has(invocation.errorCode);
    const failed = invocation.outcome === 'failed';
    const base: VariantObservation = {
      requestId: invocation.requestId,
      tenantId: invocation.tenantId,
      capability: invocation.capability,
      version: invocation.choice.variant?.version ?? null,
      role: invocation.choice.role,
      outcome: invocation.outcome,
      errorCode: invocation.errorCode,
      schemaValid,
      latencyMs: invocation.latencyMs,
      costUsd: invocation.costUsd,
      score: null,
      agreement: null,
      createdAt: this.#now(),
    };
    // A client that went away says nothing about the variant.
    const windows = invocation.outcome === 'aborted' ? undefined : this.#windowsOf(policy);
    const window = windows
      ? invocation.choice.role === 'canary'
        ? windows.canary
        : windows.stable
      : undefined;
    window?.add(failed, invocation.latencyMs);
    const scorer = policy.autoRollback.scorer;
    const score = this.#options.score;
    if (
      scorer !== null &&
      score !== undefined &&
      invocation.outcome === 'succeeded' &&
      this.#random() < (scorer.sampleRate ?? 1)
    ) {
      // Scored after the response (a judge is a model call the caller must not wait for); the observation
      // is written with its score.
      invocation.afterResponse(() => {
        void score(policy, invocation)
          .catch(() => null)
          .then((value) => {
            if (value !== null) window?.addScore(value);
            this.#options.observe({ ...base, score: value });
            if (windows) this.#check(invocation.capability, resolved, windows);
          });
      });
    } else {
      this.#options.observe(base);
      if (windows) this.#check(invocation.capability, resolved, windows);
    }
    // Shadows are compared with stable: they sample the calls stable served well.
    if (
      this.#options.scheduleShadow &&
      invocation.outcome === 'succeeded' &&
      invocation.choice.role === 'stable'
    ) {
      for (const shadow of resolved.shadows) {
        if (this.#random() >= shadow.settings.sampleRate) continue;
        const request: ShadowRequest = {
          capability: invocation.capability,
          variant: shadow.variant,
          settings: shadow.settings,
          stableVersion: invocation.choice.variant?.version ?? null,
          requestId: invocation.requestId,
          tenantId: invocation.tenantId,
          input: invocation.input,
          stableOutput: invocation.output,
        };
        const schedule = this.#options.scheduleShadow;
        invocation.afterResponse(() => schedule(request));
      }
    }
  }

  #windowsOf(policy: TrafficPolicy): Windows {
    let windows = this.#windows.get(policy.capability);
    if (windows === undefined || windows.revision !== policy.revision) {
      windows = {
        revision: policy.revision,
        stable: new LiveWindow(),
        canary: new LiveWindow(),
        decided: false,
      };
      this.#windows.set(policy.capability, windows);
    }
    return windows;
  }

  #check(capability: string, resolved: ResolvedPolicy, windows: Windows): void {
    if (windows.decided || resolved.canary === null) return;
    const reason = decideRollback(windows.stable, windows.canary, resolved.policy.autoRollback);
    if (reason === undefined) return;
    windows.decided = true;
    // Traffic returns to stable in this process at once; the stored policy follows (and the others with it).
    if (this.#table.get(capability) === resolved) {
      this.#table.set(capability, { ...resolved, canary: null });
    }
    this.#options.rollBack(capability, resolved.policy.revision, reason);
  }
}

export function toCapabilityVariant(variant: Variant): CapabilityVariant {
  return Object.freeze({
    id: variant.id,
    version: variant.version,
    instructions: variant.instructions,
    model: variant.model,
    settings: variant.settings,
  });
}
