import type { WindowDecision } from './sliding-window.ts';

/** `RateLimit-*` fields (IETF httpapi-ratelimit-headers draft), plus `Retry-After` on a refusal. */
export function rateLimitHeaders(decision: WindowDecision, windowSeconds: number): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
    'ratelimit-policy': `${decision.limit};w=${windowSeconds}`,
  };
  if (!decision.allowed && Number.isFinite(decision.retryAfterSeconds)) {
    headers['retry-after'] = String(Math.max(1, decision.retryAfterSeconds));
  }
  return headers;
}
