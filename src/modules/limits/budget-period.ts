import type { BudgetPeriod } from './key-limits.ts';

export interface PeriodWindow {
  /** `d2026-11-21` or `m2026-11`: part of the counter's key, so a new period starts from zero. */
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** The calendar period (UTC) `now` falls in. */
export function periodOf(now: Date, period: BudgetPeriod): PeriodWindow {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  if (period === 'day') {
    const startsAt = new Date(Date.UTC(year, month, now.getUTCDate()));
    return {
      id: `d${startsAt.toISOString().slice(0, 10)}`,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 86_400_000),
    };
  }
  const startsAt = new Date(Date.UTC(year, month, 1));
  return {
    id: `m${startsAt.toISOString().slice(0, 7)}`,
    startsAt,
    endsAt: new Date(Date.UTC(year, month + 1, 1)),
  };
}

/** Budgets are counted in whole micro-dollars so every store adds integers. */
export const MICRO_USD = 1_000_000;

export function toMicroUsd(usd: number): number {
  return Math.round(usd * MICRO_USD);
}
