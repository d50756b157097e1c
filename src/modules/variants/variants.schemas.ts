import { z } from 'zod';
import type { AutoRollbackSettings, TrafficPolicy, Variant, VariantEvent } from './variant.types.ts';
import { variantId } from './variant.types.ts';
import type { VariantStatistics } from './variant-comparison.ts';
import type { Comparison } from './variants.service.ts';

export const capabilityParams = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/)
    .max(64)
    .describe('The capability (`summarize`).'),
});

const modelName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/@-]+$/, 'an alias, `provider:model`, or `local`');

export const createVariantSchema = z
  .object({
    instructions: z
      .string()
      .min(1)
      .max(32_000)
      .nullable()
      .default(null)
      .describe(
        "Instructions (a system prompt) the capability adds to its own prompt; null keeps the capability's.",
      ),
    model: modelName
      .nullable()
      .default(null)
      .describe("An alias (`smart`), `provider:model`, or `local`; null keeps the capability's route."),
    settings: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Settings capability code reads (built-ins: `temperature` 0-2, `max_output_tokens`).'),
    description: z.string().max(1_000).nullable().default(null).describe('What changed and why, for people.'),
  })
  .strict()
  .meta({ id: 'CreateVariantRequest' });

export const variantSchema = z
  .object({
    id: z.string().describe('`<capability>@<version>`, the name responses carry in `keel-variant`.'),
    capability: z.string(),
    version: z.number().int(),
    instructions: z.string().nullable(),
    model: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    description: z.string().nullable(),
    source: z
      .enum(['api', 'config'])
      .describe('Made through the API (or CLI), or declared in keel.config.ts.'),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'Variant' });

const percent = z.number().min(0).max(100);
const rate = z.number().min(0).max(1);

const autoRollbackSchema = z
  .object({
    enabled: z.boolean().optional(),
    min_samples: z
      .number()
      .int()
      .min(5)
      .max(100_000)
      .optional()
      .describe('Calls of stable and of the canary before anything is decided.'),
    confidence: z
      .number()
      .min(0.8)
      .max(0.9999)
      .optional()
      .describe('One-sided confidence of each test (default 0.95).'),
    max_error_rate_increase: rate
      .optional()
      .describe(
        'Rolled back when the canary error rate (schema failures included) exceeds stable by more than this.',
      ),
    max_latency_p95_ratio: z
      .number()
      .min(1)
      .max(100)
      .nullable()
      .optional()
      .describe(
        "Rolled back when significantly more than 5% of canary calls are slower than this multiple of stable's p95.",
      ),
    scorer: z
      .object({
        name: z
          .string()
          .describe('A reference-free scorer (`regex`, `contains`, `latency`, `cost`, a custom one).'),
        options: z.unknown().optional(),
        max_drop: rate.describe(
          "Rolled back when the canary's mean is lower than stable's by more than this.",
        ),
        sample_rate: rate
          .default(1)
          .describe(
            'Share of stable and canary calls scored, after their response (a judge costs a model call).',
          ),
      })
      .nullable()
      .optional(),
  })
  .strict()
  .meta({ id: 'AutoRollbackSettings' });

export const trafficChangeSchema = z
  .object({
    stable: z
      .number()
      .int()
      .min(1)
      .nullable()
      .describe('The version serving every call not in the canary; null: the capability as coded.'),
    canary: z
      .object({
        version: z.number().int().min(1),
        percent: percent.describe(
          'Share of subjects (keys, or `keel-subject` ids) it serves, sticky per subject.',
        ),
      })
      .nullable()
      .default(null),
    shadows: z
      .array(
        z.object({
          version: z.number().int().min(1),
          sample_rate: rate.describe(
            'Share of live calls also run on this variant, as a job after the response.',
          ),
          max_per_minute: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(60)
            .describe('Its own rate, per process.'),
        }),
      )
      .max(3)
      .default([]),
    auto_rollback: autoRollbackSchema.optional(),
    revision: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The revision this change was made from: refused (409) if the policy changed since.'),
  })
  .strict()
  .meta({ id: 'TrafficChange' });

export const trafficPolicySchema = z
  .object({
    capability: z.string(),
    stable: z.string().nullable().describe('`summarize@2`, or null: the capability as coded.'),
    canary: z.object({ variant: z.string(), percent: z.number() }).nullable(),
    shadows: z.array(
      z.object({ variant: z.string(), sample_rate: z.number(), max_per_minute: z.number().int() }),
    ),
    auto_rollback: z.object({
      enabled: z.boolean(),
      min_samples: z.number().int(),
      confidence: z.number(),
      max_error_rate_increase: z.number(),
      max_latency_p95_ratio: z.number().nullable(),
      scorer: z
        .object({ name: z.string(), options: z.unknown(), max_drop: z.number(), sample_rate: z.number() })
        .nullable(),
    }),
    revision: z.number().int().describe('0 until a policy is saved; bumped by every change.'),
    updated_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'TrafficPolicy' });

export const variantEventSchema = z
  .object({
    id: z.string(),
    capability: z.string(),
    type: z.enum(['traffic-changed', 'promoted', 'rolled-back', 'auto-rolled-back']),
    variant: z.string().nullable(),
    details: z
      .record(z.string(), z.unknown())
      .describe('Why (an automatic rollback names its test and figures) and the policy after.'),
    webhook: z.enum(['pending', 'delivered', 'failed', 'none']),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'VariantEvent' });

export const policyChangeSchema = z
  .object({ policy: trafficPolicySchema, event: variantEventSchema })
  .meta({ id: 'TrafficPolicyChange' });

const intervalSchema = z
  .object({
    n: z.number().int(),
    mean: z.number().nullable(),
    ci95: z
      .tuple([z.number(), z.number()])
      .nullable()
      .describe("Two-sided 95% t-interval, as the eval module's."),
  })
  .meta({ id: 'VariantMetric' });

const statisticsSchema = z
  .object({
    variant: z.string().nullable().describe('null: the capability as coded.'),
    role: z.enum(['stable', 'canary', 'shadow']),
    calls: z.number().int(),
    error_rate: intervalSchema,
    schema_failure_rate: intervalSchema,
    latency_mean_ms: z.number().nullable(),
    latency_p95_ms: z.number().nullable(),
    cost_usd: intervalSchema,
    cost_total_usd: z.number(),
    rating: intervalSchema.describe(
      'Feedback ratings of the calls it served, 0..1 (thumbs up 1; a scale (v-1)/4).',
    ),
    score: intervalSchema.describe("The automatic rollback's scorer, when configured."),
    agreement: intervalSchema.describe("Shadows: agreement with stable's output (1 equal; else ROUGE-L F)."),
  })
  .meta({ id: 'VariantStatistics' });

export const comparisonSchema = z
  .object({
    capability: z.string(),
    policy: trafficPolicySchema,
    since: z.iso.datetime(),
    variants: z.array(statisticsSchema),
    timeline: z.array(statisticsSchema.extend({ bucket: z.iso.datetime() })),
  })
  .meta({ id: 'VariantComparison' });

export function presentVariant(variant: Variant): z.output<typeof variantSchema> {
  return {
    id: variant.id,
    capability: variant.capability,
    version: variant.version,
    instructions: variant.instructions,
    model: variant.model,
    settings: { ...variant.settings },
    description: variant.description,
    source: variant.source,
    created_at: variant.createdAt.toISOString(),
  };
}

export function presentPolicy(policy: TrafficPolicy): z.output<typeof trafficPolicySchema> {
  const name = (version: number) => variantId(policy.capability, version);
  const rollback = policy.autoRollback;
  return {
    capability: policy.capability,
    stable: policy.stable === null ? null : name(policy.stable),
    canary:
      policy.canary === null
        ? null
        : { variant: name(policy.canary.version), percent: policy.canary.percent },
    shadows: policy.shadows.map((shadow) => ({
      variant: name(shadow.version),
      sample_rate: shadow.sampleRate,
      max_per_minute: shadow.maxPerMinute,
    })),
    auto_rollback: {
      enabled: rollback.enabled,
      min_samples: rollback.minSamples,
      confidence: rollback.confidence,
      max_error_rate_increase: rollback.maxErrorRateIncrease,
      max_latency_p95_ratio: rollback.maxLatencyP95Ratio,
      scorer:
        rollback.scorer === null
          ? null
          : {
              name: rollback.scorer.name,
              options: rollback.scorer.options ?? null,
              max_drop: rollback.scorer.maxDrop,
              sample_rate: rollback.scorer.sampleRate ?? 1,
            },
    },
    revision: policy.revision,
    updated_at: policy.revision === 0 ? null : policy.updatedAt.toISOString(),
  };
}

export function presentEvent(event: VariantEvent): z.output<typeof variantEventSchema> {
  return {
    id: event.id,
    capability: event.capability,
    type: event.type,
    variant: event.version === null ? null : variantId(event.capability, event.version),
    details: { ...event.details },
    webhook: event.webhook,
    created_at: event.createdAt.toISOString(),
  };
}

function presentStatistics(
  capability: string,
  statistics: VariantStatistics,
): z.output<typeof statisticsSchema> {
  return {
    variant: statistics.version === null ? null : variantId(capability, statistics.version),
    role: statistics.role,
    calls: statistics.calls,
    error_rate: statistics.errorRate,
    schema_failure_rate: statistics.schemaFailureRate,
    latency_mean_ms: statistics.latencyMeanMs,
    latency_p95_ms: statistics.latencyP95Ms,
    cost_usd: statistics.costUsd,
    cost_total_usd: statistics.costTotalUsd,
    rating: statistics.rating,
    score: statistics.score,
    agreement: statistics.agreement,
  };
}

export function presentComparison(comparison: Comparison): z.output<typeof comparisonSchema> {
  return {
    capability: comparison.capability,
    policy: presentPolicy(comparison.policy),
    since: comparison.since.toISOString(),
    variants: comparison.variants.map((row) => presentStatistics(comparison.capability, row)),
    timeline: comparison.timeline.map((row) => ({
      ...presentStatistics(comparison.capability, row),
      bucket: row.bucket.toISOString(),
    })),
  };
}

/** The API's snake_case auto-rollback settings as the domain's. */
export function autoRollbackFromJson(
  json: z.output<typeof autoRollbackSchema> | undefined,
): Partial<AutoRollbackSettings> {
  if (json === undefined) return {};
  return {
    ...(json.enabled === undefined ? {} : { enabled: json.enabled }),
    ...(json.min_samples === undefined ? {} : { minSamples: json.min_samples }),
    ...(json.confidence === undefined ? {} : { confidence: json.confidence }),
    ...(json.max_error_rate_increase === undefined
      ? {}
      : { maxErrorRateIncrease: json.max_error_rate_increase }),
    ...(json.max_latency_p95_ratio === undefined ? {} : { maxLatencyP95Ratio: json.max_latency_p95_ratio }),
    ...(json.scorer === undefined
      ? {}
      : {
          scorer:
            json.scorer === null
              ? null
              : {
                  name: json.scorer.name,
                  options: json.scorer.options ?? {},
                  maxDrop: json.scorer.max_drop,
                  sampleRate: json.scorer.sample_rate,
                },
        }),
  };
}

export type TrafficChangeJson = z.output<typeof trafficChangeSchema>;

/** The API's traffic change as the service's. */
export function trafficChangeFromJson(json: Omit<TrafficChangeJson, 'revision'>) {
  return {
    stable: json.stable,
    canary: json.canary,
    shadows: json.shadows.map((shadow) => ({
      version: shadow.version,
      sampleRate: shadow.sample_rate,
      maxPerMinute: shadow.max_per_minute,
    })),
    autoRollback: autoRollbackFromJson(json.auto_rollback),
  };
}
