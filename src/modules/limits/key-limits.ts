import { z } from 'zod';

export const budgetPeriods = ['day', 'month'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

/** A spend budget: at most `usd` dollars of model cost per calendar `period` (UTC). */
export const budgetSchema = z
  .object({
    usd: z.number().min(0).max(1_000_000).describe('Most model cost, in US dollars, per period.'),
    period: z.enum(budgetPeriods).describe('Calendar period (UTC) the budget resets on.'),
  })
  .strict()
  .meta({ id: 'Budget' });

/**
 * The limits one API key is held to. A missing member means "no limit of that kind" for the key, after
 * the deployment's defaults are applied (`KEEL_LIMIT_*`, `KEEL_BUDGET_*`).
 */
export const keyLimitsSchema = z
  .object({
    requestsPerMinute: z.number().int().min(1).max(1_000_000).optional(),
    tokensPerMinute: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .optional()
      .describe('Model tokens (input + output) per minute, estimated before each call and settled after.'),
    concurrentStreams: z.number().int().min(1).max(100_000).optional(),
    budget: budgetSchema.optional(),
  })
  .strict()
  .meta({ id: 'KeyLimits' });

export type KeyLimits = z.output<typeof keyLimitsSchema>;
export type Budget = z.output<typeof budgetSchema>;

/** Per-key limits over the deployment's defaults, member by member. */
export function mergeLimits(defaults: KeyLimits, own: KeyLimits | undefined): KeyLimits {
  return { ...defaults, ...stripUndefined(own ?? {}) };
}

function stripUndefined(limits: KeyLimits): KeyLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as KeyLimits;
}
