// Capabilities: product-intent endpoints declared once with defineCapability (schemas + run) and served
// as `POST /v1/<name>`. Owns the invoker every calling style (sync, stream, job) goes through.

export type { BuiltinCapabilityOptions } from './builtin/builtin-options.ts';
export {
  type ChatCapabilityOptions,
  chatInputSchema,
  chatOutputSchema,
  createChatCapability,
} from './builtin/chat.capability.ts';
export {
  classifyCapability,
  classifyInputSchema,
  classifyOutputSchema,
  createClassifyCapability,
} from './builtin/classify.capability.ts';
export {
  createExtractCapability,
  extractCapability,
  extractInputSchema,
  extractOutputSchema,
} from './builtin/extract.capability.ts';
export {
  generateCapability,
  promptRequestSchema,
  promptResponseSchema,
} from './builtin/generate.capability.ts';
export {
  createRecommendCapability,
  recommendCapability,
  recommendInputSchema,
  recommendOutputSchema,
} from './builtin/recommend.capability.ts';
export {
  createScoreCapability,
  scoreCapability,
  scoreInputSchema,
  scoreOutputSchema,
} from './builtin/score.capability.ts';
export {
  createSummarizeCapability,
  summarizeCapability,
  summarizeInputSchema,
  summarizeOutputSchema,
} from './builtin/summarize.capability.ts';
export { capabilityErrors } from './capabilities.errors.ts';
export type { CapabilityCallSettings } from './capabilities.routes.ts';
export { registerCapabilityRoutes, SUBJECT_HEADER, VARIANT_HEADER } from './capabilities.routes.ts';
export type { BatchItemResult, CapabilityBatchSettings } from './capability-batch.ts';
export { DEFAULT_BATCH_SETTINGS } from './capability-batch.ts';
export type {
  CapabilityEvent,
  CapabilityJob,
  CapabilityJobPolicy,
  InvocationReporter,
  StepHandle,
} from './capability-events.ts';
export { directReporter } from './capability-events.ts';
export type { CapabilityInvokerDependencies, InvocationScope } from './capability-invoker.ts';
export { CapabilityInvoker } from './capability-invoker.ts';
export type { CapabilityStreamSettings } from './capability-stream.ts';
export { DEFAULT_STREAM_HEARTBEAT_MS } from './capability-stream.ts';
export {
  type CapabilityVariant,
  type RoutedInvocation,
  type VariantChoice,
  type VariantRouter,
  variantCallSettings,
  variantSystem,
} from './capability-variant.ts';
export type {
  AnyCapability,
  Capability,
  CapabilityContext,
  CapabilityDefinition,
  CapabilityExample,
  CapabilityLogger,
  Clock,
} from './define-capability.ts';
export { defineCapability } from './define-capability.ts';
export {
  chooseEngine,
  type EngineChoice,
  engineFields,
  LOCAL_ENGINE,
  localProvenance,
  modelChoiceField,
  modelProvenance,
  usageSchema,
} from './engine-choice.ts';
