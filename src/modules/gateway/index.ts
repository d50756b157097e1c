// The model gateway: providers, aliases and routing, one resilience loop (retry, fallback, circuit breakers,
// deadlines), structured output, usage and cost accounting, and the response cache, on the AI SDK.

export { MemoryResponseCache } from './cache/memory-response-cache.ts';
export { RedisResponseCache } from './cache/redis-response-cache.ts';
export type { ResponseCacheStore } from './cache/response-cache.port.ts';
export { gatewayErrors } from './gateway.errors.ts';
export { registerGatewayRoutes } from './gateway.routes.ts';
export type {
  CallScope,
  CapabilityCallScope,
  GatewayDependencies,
  InvocationModels,
  ModelCatalog,
  ModelDescription,
  ModelListing,
} from './gateway.ts';
export { Gateway } from './gateway.ts';
export type {
  AliasSettings,
  CacheSettings,
  DeploymentTarget,
  GatewaySettings,
  PriceSettings,
  ProviderKind,
  ProviderSettings,
  ResilienceSettings,
} from './gateway-settings.ts';
export {
  DEFAULT_CACHE,
  DEFAULT_NOT_CONFIGURED_HINT,
  DEFAULT_RESILIENCE,
  emptyGatewaySettings,
} from './gateway-settings.ts';
export type { ModelProvider } from './registry/provider-factory.ts';
export { loadProviderModules } from './registry/provider-factory.ts';
export type { CircuitStateName } from './resilience/deployment-health.ts';
export { toGatewayError } from './resilience/failure.ts';
export type { ObjectRequest, ObjectResult, SchemaIssue } from './structured/generate-object.ts';
export type { CallFacts } from './usage/call-facts.ts';
export { MemoryModelCallStore } from './usage/memory-model-call-store.ts';
export type { ModelCallObserver, ModelCallRecord } from './usage/model-call.ts';
export type { ModelCallPage, ModelCallQuery, ModelCallStore } from './usage/model-call-store.port.ts';
export type { ModelCallWriterOptions } from './usage/model-call-writer.ts';
export { ModelCallWriter } from './usage/model-call-writer.ts';
export { SqlModelCallStore } from './usage/sql-model-call-store.ts';
export { countPromptTokens, countTokens, loadTokenizer } from './usage/token-count.ts';
export type { ModelUsage } from './usage/usage-recorder.ts';
export { UsageRecorder } from './usage/usage-recorder.ts';
