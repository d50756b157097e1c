import { z } from 'zod';
import type { AnyCapability } from '../modules/capabilities/index.ts';
import { guardrailsConfigSchema } from '../modules/guardrails/config.ts';
import { mcpConfigSchema } from '../modules/mcp/config.ts';
import type { AnyTool } from '../modules/tools/index.ts';
import { variantsConfigSchema } from '../modules/variants/config.ts';
import { jobsConfigSchema } from './jobs-config.ts';
import { modelsConfigSchema } from './models-config.schema.ts';

/**
 * The optional typed config file (`keel.config.ts`). It holds what is not a secret and not a deployment
 * detail: model choices and the team's own capabilities. Secrets stay in the environment.
 */
export const configFileSchema = z
  .object({
    /** Providers, aliases, fallbacks, routing, prices, resilience and cache (see docs/gateway.md). */
    models: modelsConfigSchema.prefault({}),
    http: z
      .object({
        corsOrigins: z.array(z.string().min(1)).optional(),
        bodyLimitBytes: z.number().int().min(1024).optional(),
      })
      .strict()
      .default({}),
    /** Default attempts, backoff and timeout of jobs, and webhook delivery (see docs/jobs.md). */
    jobs: jobsConfigSchema.prefault({}),
    capabilities: z
      .array(
        z.custom<AnyCapability>(
          (value) =>
            typeof value === 'object' &&
            value !== null &&
            (value as { kind?: unknown }).kind === 'capability',
          { message: 'expected a value returned by defineCapability()' },
        ),
      )
      .default([]),
    /** The team's own tools (`defineTool`), callable by agents, over MCP and at `POST /v1/tools/{name}`. */
    tools: z
      .array(
        z.custom<AnyTool>(
          (value) =>
            typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'tool',
          { message: 'expected a value returned by defineTool()' },
        ),
      )
      .default([]),
    /** MCP servers (stdio or Streamable HTTP) whose tools agents may be allowed (see docs/agents.md). */
    mcp: mcpConfigSchema.prefault({}),
    /** Per capability: variants (versioned prompt, model, settings) and the starting traffic policy (docs/variants.md). */
    variants: variantsConfigSchema,
    /** Guardrail policies, the defaults, and more per capability and for `/openai/v1` (see docs/guardrails.md). */
    guardrails: guardrailsConfigSchema.prefault({}),
  })
  .strict();

export type ConfigFile = z.input<typeof configFileSchema>;
