import { AppError } from '../../platform/errors/index.ts';
import type { Notifier } from '../../platform/jobs/index.ts';
import type { AnyCapability, Clock } from '../capabilities/index.ts';
import type { RollbackReason } from './rollback-decision.ts';
import type { VariantWebhook } from './rollback-webhook.ts';
import {
  type AutoRollbackSettings,
  DEFAULT_AUTO_ROLLBACK,
  type NewVariant,
  type ShadowPolicy,
  type TrafficPolicy,
  type Variant,
  type VariantEvent,
  variantId,
} from './variant.types.ts';
import { statisticsOf, type VariantStatistics } from './variant-comparison.ts';
import type { VariantRouting } from './variant-routing.ts';
import type { VariantStore } from './variant-store.port.ts';
import { variantErrors } from './variants.errors.ts';

/** Notifications: a policy or a variant changed; payload: the capability. Every process reloads its table. */
export const VARIANTS_CHANNEL = 'keel_variants_changed';

export interface TrafficChange {
  readonly stable: number | null;
  readonly canary: { readonly version: number; readonly percent: number } | null;
  readonly shadows: readonly ShadowPolicy[];
  readonly autoRollback?: Partial<AutoRollbackSettings>;
}

export interface VariantServiceOptions {
  readonly store: VariantStore;
  readonly routing: VariantRouting;
  readonly capabilities: () => readonly AnyCapability[];
  readonly clock: Clock;
  readonly notifier?: Notifier | undefined;
  readonly webhook?: VariantWebhook | undefined;
  readonly logger: {
    warn(object: object, message?: string): void;
    info(object: object, message?: string): void;
  };
}

export interface Comparison {
  readonly capability: string;
  readonly policy: TrafficPolicy;
  readonly since: Date;
  readonly variants: readonly VariantStatistics[];
  readonly timeline: ReadonlyArray<VariantStatistics & { readonly bucket: Date }>;
}

/**
 * Variants and traffic policies: creation, promotion, rollback (by hand or automatic), the events they
 * leave, the comparison online evals report. Every change reloads this process's routing table and tells
 * the others (`keel_variants_changed`).
 */
export class VariantService {
  readonly #options: VariantServiceOptions;
  readonly #pending = new Set<Promise<unknown>>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: VariantServiceOptions) {
    this.#options = options;
  }

  /** Loads the routing table and follows changes made by other processes. */
  async start(): Promise<void> {
    await this.reload();
    this.#unsubscribe = this.#options.notifier?.subscribe(VARIANTS_CHANNEL, () => {
      this.#track(
        this.reload().catch((error: unknown) =>
          this.#options.logger.warn({ err: error }, 'variants: reload failed'),
        ),
      );
    });
  }

  /** Waits for rollbacks and webhooks in flight (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.settle();
  }

  async reload(): Promise<void> {
    const { store, routing } = this.#options;
    const [policies, variants] = await Promise.all([store.listPolicies(), store.listVariants()]);
    routing.replace(policies, variants);
  }

  async createVariant(variant: Omit<NewVariant, 'capability'> & { capability: string }): Promise<Variant> {
    this.#capability(variant.capability);
    return this.#options.store.createVariant(variant, this.#options.clock.now());
  }

  /** Adds config declarations that are missing; a declared version stored with other content is refused. */
  async declare(
    variants: readonly NewVariant[],
    policies: readonly (TrafficChange & { capability: string })[],
  ): Promise<void> {
    for (const variant of variants) {
      const stored =
        variant.version === undefined
          ? undefined
          : await this.#options.store.getVariant(variant.capability, variant.version);
      // Another process starting at the same time may add it between the read and the write.
      const existing =
        stored ??
        (await this.createVariant(variant).then(
          () => undefined,
          async (error: unknown) => {
            if (
              !(error instanceof AppError && error.code === 'VARIANT_VERSION_TAKEN') ||
              variant.version === undefined
            )
              throw error;
            return this.#options.store.getVariant(variant.capability, variant.version);
          },
        ));
      if (existing === undefined) continue;
      const same =
        existing.instructions === variant.instructions &&
        existing.model === variant.model &&
        JSON.stringify(existing.settings) === JSON.stringify(variant.settings);
      if (!same) {
        throw new AppError(variantErrors.VARIANT_VERSION_TAKEN, {
          detail: `keel.config.ts declares ${existing.id} with other content than the stored one: variants are immutable, declare a new version.`,
        });
      }
    }
    // A declared policy applies only where none is stored: later changes through the API win.
    for (const declared of policies) {
      if ((await this.#options.store.getPolicy(declared.capability)) !== undefined) continue;
      await this.setTraffic(declared.capability, declared, 0).catch((error: unknown) => {
        if (!(error instanceof AppError && error.code === 'VARIANT_POLICY_CONFLICT')) throw error;
      });
    }
    await this.reload();
  }

  async listVariants(capability: string): Promise<readonly Variant[]> {
    this.#capability(capability);
    return this.#options.store.listVariants(capability);
  }

  async getVariant(capability: string, version: number): Promise<Variant> {
    this.#capability(capability);
    const variant = await this.#options.store.getVariant(capability, version);
    if (variant === undefined) {
      throw new AppError(variantErrors.VARIANT_NOT_FOUND, {
        detail: `${variantId(capability, version)} does not exist.`,
      });
    }
    return variant;
  }

  /** The stored policy, or the empty one (revision 0: the capability as coded). */
  async getTraffic(capability: string): Promise<TrafficPolicy> {
    this.#capability(capability);
    return (
      (await this.#options.store.getPolicy(capability)) ?? {
        capability,
        stable: null,
        canary: null,
        shadows: [],
        autoRollback: DEFAULT_AUTO_ROLLBACK,
        revision: 0,
        updatedAt: new Date(0),
      }
    );
  }

  async setTraffic(
    capability: string,
    change: TrafficChange,
    expectedRevision?: number,
  ): Promise<TrafficPolicy> {
    const current = await this.getTraffic(capability);
    const next = await this.#validated(capability, {
      stable: change.stable,
      canary: change.canary,
      shadows: change.shadows,
      autoRollback: { ...current.autoRollback, ...change.autoRollback },
    });
    return this.#save(next, expectedRevision ?? current.revision, {
      type: 'traffic-changed',
      version: change.canary?.version ?? change.stable,
      details: { before: describe(current) },
    });
  }

  /** Makes the canary (or the named version) the stable variant; the canary slot empties. */
  async promote(
    capability: string,
    version?: number,
  ): Promise<{ policy: TrafficPolicy; event: VariantEvent }> {
    const current = await this.getTraffic(capability);
    const promoted = version ?? current.canary?.version;
    if (promoted === undefined) {
      throw new AppError(variantErrors.VARIANT_POLICY_INVALID, {
        detail: `${capability} has no canary to promote: name a version.`,
      });
    }
    const next = await this.#validated(capability, {
      stable: promoted,
      canary: null,
      shadows: current.shadows.filter((shadow) => shadow.version !== promoted),
      autoRollback: current.autoRollback,
    });
    const policy = await this.#save(next, current.revision, {
      type: 'promoted',
      version: promoted,
      details: { from: current.stable, to: promoted },
    });
    return { policy, event: await this.#lastEvent(capability) };
  }

  /**
   * Takes the canary out of traffic; without a canary, returns stable to the named version or to the one
   * before the last promotion.
   */
  async rollback(capability: string, to?: number): Promise<{ policy: TrafficPolicy; event: VariantEvent }> {
    const current = await this.getTraffic(capability);
    let next: Omit<TrafficPolicy, 'revision'>;
    let version: number | null;
    let details: Record<string, unknown>;
    if (current.canary !== null && to === undefined) {
      next = { ...current, canary: null, updatedAt: this.#options.clock.now() };
      version = current.canary.version;
      details = { canary: current.canary.version, stable: current.stable };
    } else {
      const target = to ?? (await this.#previousStable(capability));
      if (target === undefined) {
        throw new AppError(variantErrors.VARIANT_POLICY_INVALID, {
          detail: `${capability} has no canary and no earlier stable variant to roll back to: name a version.`,
        });
      }
      next = await this.#validated(capability, {
        stable: target,
        canary: null,
        shadows: current.shadows.filter((shadow) => shadow.version !== target),
        autoRollback: current.autoRollback,
      });
      version = current.stable;
      details = { from: current.stable, to: target };
    }
    const policy = await this.#save(next, current.revision, { type: 'rolled-back', version, details });
    return { policy, event: await this.#lastEvent(capability) };
  }

  /** The routing's verdict: the canary leaves traffic if the policy is still at the revision it judged. */
  readonly autoRollback = (capability: string, revision: number, reason: RollbackReason): void => {
    const work = (async () => {
      const current = await this.#options.store.getPolicy(capability);
      if (current === undefined || current.revision !== revision || current.canary === null) return;
      const { logger } = this.#options;
      logger.warn(
        { capability, canary: current.canary.version, reason: reason.summary },
        'variants: canary rolled back automatically',
      );
      await this.#save({ ...current, canary: null, updatedAt: this.#options.clock.now() }, revision, {
        type: 'auto-rolled-back',
        version: current.canary.version,
        details: {
          metric: reason.metric,
          summary: reason.summary,
          stable: reason.stable,
          canary: reason.canary,
          z: reason.z,
          critical: reason.critical,
          stable_version: current.stable,
        },
      }).catch(async (error: unknown) => {
        // Someone changed the policy meanwhile: their change stands.
        if (!(error instanceof AppError && error.code === 'VARIANT_POLICY_CONFLICT')) throw error;
        await this.reload();
      });
    })().catch((error: unknown) =>
      this.#options.logger.warn({ err: error, capability }, 'variants: automatic rollback failed'),
    );
    this.#track(work);
  };

  /** A feedback rating (0..1) of a request, attributed to the variant that served it. */
  async rate(tenantId: string, requestId: string, rating: number): Promise<void> {
    await this.#options.store.rate(tenantId, requestId, rating);
  }

  async events(capability: string, limit: number): Promise<readonly VariantEvent[]> {
    this.#capability(capability);
    return this.#options.store.listEvents(capability, limit);
  }

  async comparison(capability: string, since: Date, bucketMs: number): Promise<Comparison> {
    const policy = await this.getTraffic(capability);
    const [whole, buckets] = await Promise.all([
      this.#options.store.aggregate({ capability, since }),
      this.#options.store.aggregate({ capability, since, bucketMs }),
    ]);
    const order = (
      a: { role: string; version: number | null },
      b: { role: string; version: number | null },
    ) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || (a.version ?? 0) - (b.version ?? 0);
    return {
      capability,
      policy,
      since,
      variants: whole.map(statisticsOf).sort(order),
      timeline: buckets
        .map((row) => ({ ...statisticsOf(row), bucket: row.bucket ?? since }))
        .sort((a, b) => a.bucket.getTime() - b.bucket.getTime() || order(a, b)),
    };
  }

  #capability(name: string): AnyCapability {
    const capability = this.#options.capabilities().find((candidate) => candidate.name === name);
    if (capability === undefined) {
      throw new AppError(variantErrors.VARIANT_CAPABILITY_NOT_FOUND, {
        detail: `No capability is named "${name}".`,
      });
    }
    return capability;
  }

  async #validated(
    capability: string,
    policy: Omit<TrafficPolicy, 'revision' | 'capability' | 'updatedAt'>,
  ): Promise<Omit<TrafficPolicy, 'revision'>> {
    const invalid = (detail: string) => new AppError(variantErrors.VARIANT_POLICY_INVALID, { detail });
    const versions = [
      policy.stable,
      policy.canary?.version ?? null,
      ...policy.shadows.map((shadow) => shadow.version),
    ].filter((version): version is number => version !== null);
    if (new Set(versions).size !== versions.length)
      throw invalid('stable, canary and shadows must be different versions.');
    if (policy.canary !== null && policy.stable === null)
      throw invalid('a canary needs a stable variant to return to.');
    for (const version of versions) await this.getVariant(capability, version);
    return { ...policy, capability, updatedAt: this.#options.clock.now() };
  }

  async #save(
    policy: Omit<TrafficPolicy, 'revision'>,
    expectedRevision: number,
    event: Pick<VariantEvent, 'type' | 'version' | 'details'>,
  ): Promise<TrafficPolicy> {
    const webhook = this.#options.webhook;
    const saved = await this.#options.store.savePolicy(policy, expectedRevision, {
      capability: policy.capability,
      ...event,
      details: { ...event.details, after: describe(policy) },
      webhook: webhook && event.type !== 'traffic-changed' ? 'pending' : 'none',
      createdAt: this.#options.clock.now(),
    });
    if (saved === undefined) {
      throw new AppError(variantErrors.VARIANT_POLICY_CONFLICT, {
        detail: `The ${policy.capability} policy changed since revision ${expectedRevision}; read it again.`,
      });
    }
    await this.reload();
    this.#options.notifier?.publish(VARIANTS_CHANNEL, policy.capability);
    const recorded = saved.event;
    if (webhook && recorded && recorded.webhook === 'pending') {
      this.#track(
        webhook
          .send(recorded, describe(saved.policy))
          .then((delivered) =>
            this.#options.store.markWebhook(recorded.id, delivered ? 'delivered' : 'failed'),
          )
          .catch((error: unknown) =>
            this.#options.logger.warn({ err: error }, 'variants: webhook not recorded'),
          ),
      );
    }
    return saved.policy;
  }

  async #lastEvent(capability: string): Promise<VariantEvent> {
    const [event] = await this.#options.store.listEvents(capability, 1);
    if (event === undefined) throw new Error('the event saved with the policy is missing');
    return event;
  }

  async #previousStable(capability: string): Promise<number | undefined> {
    const events = await this.#options.store.listEvents(capability, 100);
    const promotion = events.find((event) => event.type === 'promoted');
    const from = promotion?.details.from;
    return typeof from === 'number' ? from : undefined;
  }

  #track(work: Promise<unknown>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}

const ROLE_ORDER = ['stable', 'canary', 'shadow'];

/** The policy as events, webhooks and the API show it (snake_case). */
export function describe(
  policy: Omit<TrafficPolicy, 'revision'> & { revision?: number },
): Record<string, unknown> {
  return {
    stable: policy.stable === null ? null : variantId(policy.capability, policy.stable),
    canary:
      policy.canary === null
        ? null
        : { variant: variantId(policy.capability, policy.canary.version), percent: policy.canary.percent },
    shadows: policy.shadows.map((shadow) => ({
      variant: variantId(policy.capability, shadow.version),
      sample_rate: shadow.sampleRate,
    })),
    ...(policy.revision === undefined ? {} : { revision: policy.revision }),
  };
}
