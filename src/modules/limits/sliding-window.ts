/**
 * Sliding-window counter: the count of the previous fixed window, weighted by how much of it still
 * overlaps the last `windowMs`, plus the current window's count. Two integers per key, exact at window
 * boundaries, and the same arithmetic in memory and in Redis's Lua script.
 */
export interface WindowState {
  /** Index of the window `now` falls in: floor(now / windowMs). */
  readonly window: number;
  /** Milliseconds since that window started. */
  readonly elapsedMs: number;
  readonly current: number;
  readonly previous: number;
}

export interface WindowDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** What may still be consumed right now, after this consumption when allowed. */
  readonly remaining: number;
  /**
   * Seconds until the quota resets, the `reset` of the RateLimit header fields draft, with no further
   * traffic. Refused: until this cost is admitted again (the same figure as `retryAfterSeconds`, so
   * `RateLimit-Reset` and `Retry-After` on one 429 agree), or until the whole quota is back when the cost
   * can never fit. Admitted: until the whole quota is back. At least 1.
   */
  readonly resetSeconds: number;
  /** Seconds until this cost would be allowed with no further traffic; 0 when allowed, Infinity when never. */
  readonly retryAfterSeconds: number;
  /** The window the cost was counted in, to settle an estimate against later. */
  readonly window: number;
}

export function weightOf(state: WindowState, windowMs: number): number {
  return (state.previous * (windowMs - state.elapsedMs)) / windowMs + state.current;
}

export function admits(state: WindowState, windowMs: number, cost: number, limit: number): boolean {
  return cost <= limit && weightOf(state, windowMs) + cost <= limit;
}

/** Describes the outcome; `state` is before the consumption, `allowed` as decided by the store. */
export function describeDecision(
  state: WindowState,
  windowMs: number,
  cost: number,
  limit: number,
  allowed: boolean,
): WindowDecision {
  const weight = weightOf(state, windowMs) + (allowed ? cost : 0);
  const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil(waitMs(state, windowMs, cost, limit) / 1000));
  const untilFull = Math.ceil(fullQuotaMs(state, windowMs, allowed ? cost : 0) / 1000);
  return {
    allowed,
    limit,
    remaining: Math.max(0, Math.floor(limit - weight)),
    // One computation: a refusal's reset is its retry-after (decision 0154).
    resetSeconds: Number.isFinite(retryAfterSeconds) && !allowed ? retryAfterSeconds : Math.max(1, untilFull),
    retryAfterSeconds,
    window: state.window,
  };
}

/** How long until nothing weighs any more, after adding `added` to the current window. */
function fullQuotaMs(state: WindowState, windowMs: number, added: number): number {
  const untilWindowEnd = windowMs - state.elapsedMs;
  // This window's count decays over the whole next window; the previous one's by the end of this one.
  if (state.current + added > 0) return untilWindowEnd + windowMs;
  if (state.previous > 0) return untilWindowEnd;
  return 0;
}

function waitMs(state: WindowState, windowMs: number, cost: number, limit: number): number {
  if (cost > limit) return Number.POSITIVE_INFINITY;
  const untilWindowEnd = windowMs - state.elapsedMs;
  const room = limit - state.current - cost;
  // Within this window, only the previous window's weight decays.
  if (room >= 0 && state.previous > 0) {
    return Math.max(1, untilWindowEnd - (windowMs * room) / state.previous);
  }
  // Otherwise this window's count becomes the decaying previous one.
  if (state.current <= 0) return Math.max(1, untilWindowEnd);
  const fraction = Math.max(0, 1 - (limit - cost) / state.current);
  return Math.max(1, untilWindowEnd + windowMs * fraction);
}
