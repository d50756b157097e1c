import { z } from 'zod';
import type { AnyCapability } from '../modules/capabilities/index.ts';

/**
 * The optional typed config file (`keel.config.ts`). It holds what is not a secret and not a deployment
 * detail: model choices and the team's own capabilities. Secrets stay in the environment.
 */
export const configFileSchema = z
  .object({
    models: z
      .object({
        /** Model id for the OpenAI-compatible provider; `KEEL_MODEL` overrides it. */
        default: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    http: z
      .object({
        corsOrigins: z.array(z.string().min(1)).optional(),
        bodyLimitBytes: z.number().int().min(1024).optional(),
      })
      .strict()
      .default({}),
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
  })
  .strict();

export type ConfigFile = z.input<typeof configFileSchema>;
