// Limits and budgets: requests/minute and concurrent streams per key (a Fastify hook every route passes
// through), tokens/minute and spend budgets (an AI SDK middleware on every model call), and load shedding.
export type { AuthFailureLimitOptions } from './auth-failure-limit.ts';
export { AuthFailureLimiter } from './auth-failure-limit.ts';
export type { PeriodWindow } from './budget-period.ts';
export { MICRO_USD, periodOf, toMicroUsd } from './budget-period.ts';
export type { Budget, BudgetPeriod, KeyLimits } from './key-limits.ts';
export {
  budgetPeriods,
  budgetSchema,
  keyLimitsFromJson,
  keyLimitsSchema,
  mergeLimits,
  presentKeyLimits,
} from './key-limits.ts';
export type { LimitStore, SlotDecision } from './limit-store.port.ts';
export { limitErrors } from './limits.errors.ts';
export type { LimitKind, LimitsObserver } from './limits-observer.ts';
export { silentObserver } from './limits-observer.ts';
export type { LoadSheddingOptions } from './load-shedding.ts';
export { installLoadShedding } from './load-shedding.ts';
export { MemoryLimitStore } from './memory-limit-store.ts';
export type { ModelLimitsOptions } from './model-limits.middleware.ts';
export { createModelLimitsMiddleware } from './model-limits.middleware.ts';
export type { RedisLimitStoreOptions } from './redis-limit-store.ts';
export { RedisLimitStore } from './redis-limit-store.ts';
export type { RequestLimitsOptions } from './request-limits.ts';
export { installRequestLimits, isStream } from './request-limits.ts';
export type { WindowDecision } from './sliding-window.ts';
export { estimateInputTokens, loadTokenizer } from './token-estimate.ts';
