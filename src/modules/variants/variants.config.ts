import { z } from 'zod';
import type { NewVariant } from './variant.types.ts';
import type { TrafficChange } from './variants.service.ts';

const version = z.number().int().min(1);

const declaredVariantSchema = z
  .object({
    version,
    instructions: z.string().min(1).nullable().default(null),
    model: z.string().min(1).max(128).nullable().default(null),
    settings: z.record(z.string(), z.unknown()).default({}),
    description: z.string().nullable().default(null),
  })
  .strict();

const declaredTrafficSchema = z
  .object({
    stable: version.nullable(),
    canary: z
      .object({ version, percent: z.number().min(0).max(100) })
      .strict()
      .nullable()
      .default(null),
    shadows: z
      .array(
        z
          .object({
            version,
            sampleRate: z.number().min(0).max(1),
            maxPerMinute: z.number().int().min(1).default(60),
          })
          .strict(),
      )
      .max(3)
      .default([]),
    autoRollback: z
      .object({
        enabled: z.boolean().optional(),
        minSamples: z.number().int().min(5).optional(),
        confidence: z.number().min(0.8).max(0.9999).optional(),
        maxErrorRateIncrease: z.number().min(0).max(1).optional(),
        maxLatencyP95Ratio: z.number().min(1).nullable().optional(),
        scorer: z
          .object({
            name: z.string(),
            options: z.unknown().optional(),
            maxDrop: z.number().min(0).max(1),
            sampleRate: z.number().min(0).max(1).default(1),
          })
          .strict()
          .nullable()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * `variants` in keel.config.ts: per capability, versions to create when missing (immutable: a stored version
 * with other content fails the start) and the traffic policy to start with when none is stored yet (the
 * admin API and `keel variants` change it afterwards). See docs/variants.md.
 */
export const variantsConfigSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/),
    z
      .object({
        variants: z.array(declaredVariantSchema).default([]),
        traffic: declaredTrafficSchema.optional(),
      })
      .strict(),
  )
  .default({});

export type VariantsConfig = z.output<typeof variantsConfigSchema>;

/** The declarations of the config file, as the variant system adds them at start. */
export function declarationsOf(config: VariantsConfig): {
  variants: NewVariant[];
  policies: Array<TrafficChange & { capability: string }>;
} {
  const variants: NewVariant[] = [];
  const policies: Array<TrafficChange & { capability: string }> = [];
  for (const [capability, declared] of Object.entries(config)) {
    for (const variant of declared.variants) variants.push({ capability, ...variant, source: 'config' });
    if (declared.traffic) {
      const { autoRollback, ...traffic } = declared.traffic;
      const rollback = autoRollback
        ? {
            ...autoRollback,
            ...(autoRollback.scorer
              ? { scorer: { ...autoRollback.scorer, options: autoRollback.scorer.options ?? {} } }
              : {}),
          }
        : undefined;
      policies.push({
        capability,
        ...traffic,
        ...(rollback ? { autoRollback: rollback as TrafficChange['autoRollback'] & object } : {}),
      });
    }
  }
  return { variants, policies };
}
