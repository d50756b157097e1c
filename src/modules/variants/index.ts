// Variants: immutable versioned prompt/model/settings records per capability (`summarize@3`), the traffic
// policy that routes live calls to them (stable, sticky canary, shadows as jobs), online evals and rollback.

export { MemoryVariantStore } from './memory-variant-store.ts';
export { decideRollback, LiveWindow, normalQuantile, type RollbackReason } from './rollback-decision.ts';
export type { VariantWebhookSettings } from './rollback-webhook.ts';
export { agreementOf, VARIANT_SHADOW_CAPABILITY } from './shadow-runs.ts';
export { SqlVariantStore } from './sql-variant-store.ts';
export { inCanary, trafficBucket } from './traffic-split.ts';
export type {
  AutoRollbackSettings,
  Moments,
  NewVariant,
  ObservationAggregate,
  ServingRole,
  ShadowPolicy,
  TrafficPolicy,
  Variant,
  VariantEvent,
  VariantEventType,
  VariantObservation,
} from './variant.types.ts';
export { DEFAULT_AUTO_ROLLBACK, variantId } from './variant.types.ts';
export { intervalOf, statisticsOf, type VariantStatistics } from './variant-comparison.ts';
export { type ResolvedPolicy, SCHEMA_FAILURE_CODES, VariantRouting } from './variant-routing.ts';
export type { AggregateQuery, VariantStore } from './variant-store.port.ts';
export { createVariantSystem, type VariantSystem, type VariantSystemOptions } from './variant-system.ts';
export { declarationsOf, type VariantsConfig, variantsConfigSchema } from './variants.config.ts';
export { variantErrors } from './variants.errors.ts';
export { registerVariantRoutes, type VariantRoutesOptions } from './variants.routes.ts';
export { type Comparison, type TrafficChange, VARIANTS_CHANNEL, VariantService } from './variants.service.ts';
