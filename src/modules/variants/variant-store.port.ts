import type {
  NewVariant,
  ObservationAggregate,
  TrafficPolicy,
  Variant,
  VariantEvent,
  VariantObservation,
} from './variant.types.ts';

export interface AggregateQuery {
  readonly capability: string;
  readonly since: Date;
  /** Group by time buckets of this many milliseconds too; omitted: one row per variant and role. */
  readonly bucketMs?: number;
}

/**
 * Storage of variants, traffic policies, their events and the observations online evals read. Variants and
 * policies belong to the deployment (like capabilities), not to a tenant; observations keep the tenant.
 */
export interface VariantStore {
  /** Adds a variant: the next version, or the one given (config declarations). Refuses a taken version. */
  createVariant(variant: NewVariant, now: Date): Promise<Variant>;
  getVariant(capability: string, version: number): Promise<Variant | undefined>;
  listVariants(capability?: string): Promise<readonly Variant[]>;
  getPolicy(capability: string): Promise<TrafficPolicy | undefined>;
  listPolicies(): Promise<readonly TrafficPolicy[]>;
  /**
   * Writes a policy if the stored one still has `expectedRevision` (0: none stored yet), with the revision
   * bumped, and records `event` in the same transaction. Returns undefined when someone changed it first.
   */
  savePolicy(
    policy: Omit<TrafficPolicy, 'revision'>,
    expectedRevision: number,
    event: Omit<VariantEvent, 'id'> | null,
  ): Promise<{ policy: TrafficPolicy; event: VariantEvent | null } | undefined>;
  listEvents(capability: string, limit: number): Promise<readonly VariantEvent[]>;
  markWebhook(eventId: string, webhook: VariantEvent['webhook']): Promise<void>;
  appendObservations(observations: readonly VariantObservation[]): Promise<void>;
  /** Attributes a feedback rating (0..1) to the observation of the request it is about. */
  rate(tenantId: string, requestId: string, rating: number): Promise<void>;
  aggregate(query: AggregateQuery): Promise<readonly ObservationAggregate[]>;
  /** Retention: deletes observations made before `cutoff`; returns how many. */
  deleteObservationsOlderThan(cutoff: Date): Promise<number>;
}
