import { randomUUID } from 'node:crypto';
import { AppError } from '../../platform/errors/index.ts';
import type {
  Moments,
  NewVariant,
  ObservationAggregate,
  TrafficPolicy,
  Variant,
  VariantEvent,
  VariantObservation,
} from './variant.types.ts';
import { variantId } from './variant.types.ts';
import type { AggregateQuery, VariantStore } from './variant-store.port.ts';
import { variantErrors } from './variants.errors.ts';

/** Variants, policies, events and observations in this process (tests, and `keel serve` without a database). */
export class MemoryVariantStore implements VariantStore {
  readonly #variants = new Map<string, Variant>();
  readonly #policies = new Map<string, TrafficPolicy>();
  readonly #events: VariantEvent[] = [];
  #observations: Array<VariantObservation & { rating: number | null }> = [];

  async createVariant(variant: NewVariant, now: Date): Promise<Variant> {
    const taken = [...this.#variants.values()].filter((each) => each.capability === variant.capability);
    const version = variant.version ?? Math.max(0, ...taken.map((each) => each.version)) + 1;
    if (this.#variants.has(variantId(variant.capability, version))) {
      throw new AppError(variantErrors.VARIANT_VERSION_TAKEN, {
        detail: `${variantId(variant.capability, version)} already exists.`,
      });
    }
    const created: Variant = Object.freeze({
      id: variantId(variant.capability, version),
      capability: variant.capability,
      version,
      instructions: variant.instructions,
      model: variant.model,
      settings: Object.freeze({ ...variant.settings }),
      description: variant.description,
      source: variant.source,
      createdAt: now,
    });
    this.#variants.set(created.id, created);
    return created;
  }

  async getVariant(capability: string, version: number): Promise<Variant | undefined> {
    return this.#variants.get(variantId(capability, version));
  }

  async listVariants(capability?: string): Promise<readonly Variant[]> {
    return [...this.#variants.values()]
      .filter((variant) => capability === undefined || variant.capability === capability)
      .sort((a, b) => a.capability.localeCompare(b.capability) || a.version - b.version);
  }

  async getPolicy(capability: string): Promise<TrafficPolicy | undefined> {
    return this.#policies.get(capability);
  }

  async listPolicies(): Promise<readonly TrafficPolicy[]> {
    return [...this.#policies.values()];
  }

  async savePolicy(
    policy: Omit<TrafficPolicy, 'revision'>,
    expectedRevision: number,
    event: Omit<VariantEvent, 'id'> | null,
  ): Promise<{ policy: TrafficPolicy; event: VariantEvent | null } | undefined> {
    const current = this.#policies.get(policy.capability)?.revision ?? 0;
    if (current !== expectedRevision) return undefined;
    const saved: TrafficPolicy = Object.freeze({ ...policy, revision: current + 1 });
    this.#policies.set(policy.capability, saved);
    const recorded = event === null ? null : { ...event, id: randomUUID() };
    if (recorded) this.#events.push(recorded);
    return { policy: saved, event: recorded };
  }

  async listEvents(capability: string, limit: number): Promise<readonly VariantEvent[]> {
    return this.#events
      .filter((event) => event.capability === capability)
      .reverse()
      .slice(0, limit);
  }

  async markWebhook(eventId: string, webhook: VariantEvent['webhook']): Promise<void> {
    const index = this.#events.findIndex((event) => event.id === eventId);
    const event = this.#events[index];
    if (event) this.#events[index] = { ...event, webhook };
  }

  async appendObservations(observations: readonly VariantObservation[]): Promise<void> {
    for (const observation of observations) this.#observations.push({ ...observation, rating: null });
  }

  async rate(tenantId: string, requestId: string, rating: number): Promise<void> {
    for (const observation of this.#observations) {
      if (
        observation.tenantId === tenantId &&
        observation.requestId === requestId &&
        observation.role !== 'shadow'
      )
        observation.rating = rating;
    }
  }

  async deleteObservationsOlderThan(cutoff: Date): Promise<number> {
    const before = this.#observations.length;
    this.#observations = this.#observations.filter((observation) => observation.createdAt >= cutoff);
    return before - this.#observations.length;
  }

  async aggregate(query: AggregateQuery): Promise<readonly ObservationAggregate[]> {
    const groups = new Map<string, Array<VariantObservation & { rating: number | null }>>();
    for (const observation of this.#observations) {
      if (observation.capability !== query.capability || observation.createdAt < query.since) continue;
      const bucket =
        query.bucketMs === undefined
          ? null
          : Math.floor(observation.createdAt.getTime() / query.bucketMs) * query.bucketMs;
      const key = JSON.stringify([observation.version, observation.role, bucket]);
      const group = groups.get(key) ?? [];
      group.push(observation);
      groups.set(key, group);
    }
    return [...groups].map(([key, rows]) => {
      const [version, role, bucket] = JSON.parse(key) as [
        number | null,
        VariantObservation['role'],
        number | null,
      ];
      return {
        version,
        role,
        bucket: bucket === null ? null : new Date(bucket),
        calls: rows.length,
        errors: rows.filter((row) => row.outcome !== 'succeeded').length,
        schemaFailures: rows.filter((row) => !row.schemaValid).length,
        latencySum: rows.reduce((sum, row) => sum + row.latencyMs, 0),
        latencyP95: percentile(
          rows.map((row) => row.latencyMs),
          0.95,
        ),
        costSum: rows.reduce((sum, row) => sum + row.costUsd, 0),
        costSquares: rows.reduce((sum, row) => sum + row.costUsd ** 2, 0),
        ratings: moments(rows.map((row) => row.rating)),
        scores: moments(rows.map((row) => row.score)),
        agreements: moments(rows.map((row) => row.agreement)),
      };
    });
  }
}

function moments(values: ReadonlyArray<number | null>): Moments {
  const present = values.filter((value): value is number => value !== null);
  return {
    n: present.length,
    sum: present.reduce((sum, value) => sum + value, 0),
    squares: present.reduce((sum, value) => sum + value ** 2, 0),
  };
}

/** The q-quantile by linear interpolation (PostgreSQL's `percentile_cont`). */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.ceil(position)] ?? low;
  return low + (high - low) * (position - below);
}
