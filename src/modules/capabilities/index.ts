// Capabilities: product-intent endpoints declared once with defineCapability (schemas + run) and served
// as `POST /v1/<name>`. Owns the invoker every calling style (sync, stream, job) goes through.

export {
  generateCapability,
  promptRequestSchema,
  promptResponseSchema,
} from './builtin/generate.capability.ts';
export { capabilityErrors } from './capabilities.errors.ts';
export { registerCapabilityRoutes } from './capabilities.routes.ts';
export type {
  CapabilityEvent,
  CapabilityJobPolicy,
  InvocationReporter,
  StepHandle,
} from './capability-events.ts';
export { directReporter } from './capability-events.ts';
export type { CapabilityInvokerDependencies, InvocationScope } from './capability-invoker.ts';
export { CapabilityInvoker } from './capability-invoker.ts';
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
