// Keel's public API for a team's own code: declare capabilities and the typed config file with these.
import type { ConfigFile } from './config/index.ts';

export type {
  CapabilityStreamEvent,
  CapabilityStreamEventType,
  DoneData,
  ErrorData,
  GuardrailData,
  ObjectDeltaData,
  ServerSentEvent,
  TextDeltaData,
  UsageData,
} from './client/capability-stream.ts';
export {
  CAPABILITY_STREAM_EVENT_TYPES,
  CapabilityStreamError,
  parseCapabilityStream,
  parseServerSentEvents,
} from './client/capability-stream.ts';
export type { ConfigFile } from './config/index.ts';
export type {
  Capability,
  CapabilityContext,
  CapabilityDefinition,
  CapabilityVariant,
} from './modules/capabilities/index.ts';
export { defineCapability, variantCallSettings, variantSystem } from './modules/capabilities/index.ts';
export type { Score, Scorer, ScorerContext, ScorerDefinition, ScoreSubject } from './modules/evals/index.ts';
export { defineScorer } from './modules/evals/index.ts';
export type { InvocationModels, ObjectRequest, ObjectResult } from './modules/gateway/index.ts';
export type {
  Guardrail,
  GuardrailAction,
  GuardrailCheckContext,
  GuardrailDefinition,
  GuardrailFinding,
  GuardrailStage,
} from './modules/guardrails/index.ts';
export {
  blocklistGuardrail,
  defineGuardrail,
  deniedTopicsGuardrail,
  groundednessGuardrail,
  jsonSchemaGuardrail,
  maxLengthGuardrail,
  modelJudgeGuardrail,
  patternGuardrail,
  piiGuardrail,
  promptInjectionClassifierGuardrail,
  promptInjectionGuardrail,
} from './modules/guardrails/index.ts';
export { defineWorkflow, verifyWebhook } from './modules/jobs/index.ts';
export type { McpServerConfigInput } from './modules/mcp/index.ts';
export type { Tool, ToolContext, ToolDefinition, ToolEffect } from './modules/tools/index.ts';
export { defineTool } from './modules/tools/index.ts';
export { AppError, defineErrors } from './platform/errors/index.ts';

/** Types `keel.config.ts`; Keel validates it again at start and reports every problem at once. */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}
