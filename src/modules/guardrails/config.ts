// What `src/config` reads of the guardrails module: the `guardrails` section's schema, without the policies.
export { type GuardrailsConfig, guardrailsConfigSchema } from './guardrails-config.ts';
