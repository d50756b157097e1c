import { piiGuardrail } from './builtin/pii.guardrail.ts';
import {
  promptInjectionClassifierGuardrail,
  promptInjectionGuardrail,
} from './builtin/prompt-injection.guardrail.ts';
import type { Guardrail } from './define-guardrail.ts';

/**
 * Policies every deployment can name without defining them (keel.config.ts `guardrails`, a key's
 * `guardrails`). Teams define their own with `defineGuardrail` or the built-ins' factories.
 */
export const BUILTIN_GUARDRAILS: readonly Guardrail[] = [
  // Personal data never reaches a provider; the answer to the caller gets its own values back.
  piiGuardrail({ name: 'pii-redact', stages: ['input', 'retrieved'], action: 'redact', reversible: true }),
  piiGuardrail({ name: 'pii-block', stages: ['input'], action: 'block' }),
  // Postal addresses and person names, found by shapes and cues: opt-in, less precise (decision 0180).
  piiGuardrail({
    name: 'pii-redact-names-addresses',
    types: ['postal_address', 'person_name'],
    stages: ['input', 'retrieved'],
    action: 'redact',
    reversible: true,
  }),
  // Personal data in an answer that the caller did not send (from documents, or made up) is replaced.
  piiGuardrail({ name: 'pii-leak', stages: ['output'], action: 'redact' }),
  promptInjectionGuardrail({ name: 'prompt-injection', stages: ['input'], action: 'block' }),
  // A retrieved chunk that tries to steer the model keeps its data but loses the steering phrase.
  promptInjectionGuardrail({ name: 'retrieved-injection', stages: ['retrieved'], action: 'redact' }),
  // The local few-shot classifier: catches paraphrases the heuristics miss; tens of ms per text, opt-in.
  promptInjectionClassifierGuardrail({
    name: 'prompt-injection-classifier',
    stages: ['input'],
    action: 'block',
  }),
];

/** What `guardrails.defaults: 'recommended'` turns on, and what the benchmark measures. */
export const RECOMMENDED_GUARDRAILS = [
  'pii-redact',
  'prompt-injection',
  'retrieved-injection',
  'pii-leak',
] as const;
