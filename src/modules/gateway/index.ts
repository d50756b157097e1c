// The model gateway: which models are configured, how a capability gets one, and how provider failures
// map to Keel's error taxonomy. Routing, fallbacks and resilience extend it as AI SDK middleware.
export { gatewayErrors } from './gateway.errors.ts';
export type { ModelCatalog, ModelDescription, OpenAICompatibleSettings } from './model-catalog.ts';
export { createModelCatalog } from './model-catalog.ts';
export { toGatewayError } from './provider-error.ts';
export type { ModelUsage } from './usage.ts';
export { UsageRecorder, usageMiddleware } from './usage.ts';
