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
    requests_per_minute: z.number().int().min(1).max(1_000_000).optional(),
    tokens_per_minute: z
      .number()
      .int()
      .min(1)
      .max(1_000_000_000)
      .optional()
      .describe('Model tokens (input + output) per minute, estimated before each call and settled after.'),
    concurrent_streams: z.number().int().min(1).max(100_000).optional(),
    budget: budgetSchema.optional(),
  })
  .strict()
  .meta({ id: 'KeyLimits' });

export type Budget = z.output<typeof budgetSchema>;

/** The limits of a key inside Keel (camelCase); `keyLimitsSchema` is their public JSON (ADR 0151). */
export interface KeyLimits {
  readonly requestsPerMinute?: number | undefined;
  readonly tokensPerMinute?: number | undefined;
  readonly concurrentStreams?: number | undefined;
  readonly budget?: Budget | undefined;
}

/** Limits as the API shows them. */
export function presentKeyLimits(limits: KeyLimits): z.output<typeof keyLimitsSchema> {
  return stripUndefinedMembers({
    requests_per_minute: limits.requestsPerMinute,
    tokens_per_minute: limits.tokensPerMinute,
    concurrent_streams: limits.concurrentStreams,
    budget: limits.budget ? { usd: limits.budget.usd, period: limits.budget.period } : undefined,
  });
}

/** Limits as a request body gave them, for the domain. */
export function keyLimitsFromJson(limits: z.output<typeof keyLimitsSchema>): KeyLimits {
  return stripUndefinedMembers({
    requestsPerMinute: limits.requests_per_minute,
    tokensPerMinute: limits.tokens_per_minute,
    concurrentStreams: limits.concurrent_streams,
    budget: limits.budget,
  });
}

function stripUndefinedMembers<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as T;
}

/** Per-key limits over the deployment's defaults, member by member. */
export function mergeLimits(defaults: KeyLimits, own: KeyLimits | undefined): KeyLimits {
  return { ...defaults, ...stripUndefined(own ?? {}) };
}

function stripUndefined(limits: KeyLimits): KeyLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)) as KeyLimits;
}
