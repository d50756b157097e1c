import type { WindowDecision } from './sliding-window.ts';

/**
 * `RateLimit-*` fields (IETF httpapi-ratelimit-headers draft), plus `Retry-After` on a refusal. Both
 * come from the decision's one `resetSeconds`, so on a 429 `RateLimit-Reset` equals `Retry-After`
 * (decision 0154).
 */
export function rateLimitHeaders(decision: WindowDecision, windowSeconds: number): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
    'ratelimit-policy': `${decision.limit};w=${windowSeconds}`,
  };
  if (!decision.allowed && Number.isFinite(decision.retryAfterSeconds)) {
    headers['retry-after'] = String(decision.resetSeconds);
  }
  return headers;
}
