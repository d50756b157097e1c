import { z } from 'zod';
import type { Guardrail } from './define-guardrail.ts';

const policyName = z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'a policy name (kebab-case)');

/** keel.config.ts `guardrails`: the team's policies and where each applies (see docs/guardrails.md). */
export const guardrailsConfigSchema = z
  .object({
    /** The team's policies (`defineGuardrail`, or a built-in's factory with its own name and options). */
    policies: z
      .array(
        z.custom<Guardrail>(
          (value) =>
            typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'guardrail',
          { message: 'expected a value returned by defineGuardrail() or a built-in guardrail factory' },
        ),
      )
      .default([]),
    /** Applied to every capability and to `/openai/v1`; `recommended` names the recommended set. */
    defaults: z.union([z.literal('recommended'), z.array(policyName)]).default([]),
    /** More policies per capability name. */
    capabilities: z.record(z.string(), z.array(policyName)).default({}),
    /** More policies for `/openai/v1` chat completions. */
    openai: z.array(policyName).default([]),
    /** The model alias (or `provider:model`) model-judge policies ask; `default` when unset. */
    judgeModel: z.string().min(1).optional(),
  })
  .strict();

export type GuardrailsConfig = z.output<typeof guardrailsConfigSchema>;
