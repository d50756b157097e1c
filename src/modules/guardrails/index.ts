// Guardrails: typed input, retrieved-text and output policies (`defineGuardrail`) applied per capability
// and per key on every path, with offline personal-data detection and reversible redaction (issue 19).

export { type CitationCheck, checkCitations } from './builtin/citations.ts';
export { deniedTopicsGuardrail } from './builtin/denied-topics.guardrail.ts';
export { groundednessGuardrail } from './builtin/groundedness.guardrail.ts';
export { jsonSchemaGuardrail } from './builtin/json-schema.guardrail.ts';
export { modelJudgeGuardrail } from './builtin/model-judge.guardrail.ts';
export { blocklistGuardrail, maxLengthGuardrail, patternGuardrail } from './builtin/output.guardrails.ts';
export { piiGuardrail } from './builtin/pii.guardrail.ts';
export {
  findInjections,
  promptInjectionClassifierGuardrail,
  promptInjectionGuardrail,
} from './builtin/prompt-injection.guardrail.ts';
export { BUILTIN_GUARDRAILS, RECOMMENDED_GUARDRAILS } from './builtin-guardrails.ts';
export {
  defineGuardrail,
  GUARDRAIL_ACTIONS,
  GUARDRAIL_STAGES,
  type Guardrail,
  type GuardrailAction,
  type GuardrailCheckContext,
  type GuardrailDecision,
  type GuardrailDefinition,
  type GuardrailFinding,
  type GuardrailStage,
} from './define-guardrail.ts';
export { guardrailEmbeddingMiddleware } from './guardrail-embedding-middleware.ts';
export { guardrailMiddleware } from './guardrail-middleware.ts';
export { GuardrailSession } from './guardrail-session.ts';
export { guardrailErrors } from './guardrails.errors.ts';
export { Guardrails, type GuardrailsOptions, type SessionRequest } from './guardrails.ts';
export { type GuardrailsConfig, guardrailsConfigSchema } from './guardrails-config.ts';
export { IBAN_LENGTHS, passesIbanChecksum, passesLuhn, passesSpanishIdLetter } from './pii/checksums.ts';
export {
  DEFAULT_PII_TYPES,
  detectPii,
  PII_TYPES,
  type PiiSpan,
  type PiiType,
} from './pii/pii-detector.ts';
export { type Redaction, redact, restore } from './pii/redaction.ts';
export { StreamGuard } from './stream-guard.ts';
