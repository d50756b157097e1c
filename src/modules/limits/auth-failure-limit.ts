import { AppError } from '../../platform/errors/index.ts';
import { guarded } from './guarded.ts';
import type { LimitStore } from './limit-store.port.ts';
import { limitErrors } from './limits.errors.ts';
import type { LimitsObserver } from './limits-observer.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';

const MINUTE_MS = 60_000;

export interface AuthFailureLimitOptions {
  readonly store: LimitStore;
  readonly observer: LimitsObserver;
  /** Refused key checks one client address gets answered per minute; 0 turns the limit off. */
  readonly failuresPerMinute: number;
}

/**
 * Per client address, refused key checks per minute (a sliding window, shared through Redis when
 * configured). The auth guard reports each refused key; within the allowance it answers its 401, beyond
 * it `429 LIMIT_AUTH_FAILURES` with `Retry-After`, until the window slides. Valid keys are never refused
 * here: behind a shared address (a NAT, or a proxy Keel sees as the client) one client's bad keys must
 * not lock out the others. Checking a key costs one digest (decision 0131), so checking before refusing
 * costs nothing worth saving.
 */
export class AuthFailureLimiter {
  readonly #options: AuthFailureLimitOptions;

  constructor(options: AuthFailureLimitOptions) {
    this.#options = options;
  }

  /** Counts one refused key from `address`; the 429 to answer instead of the 401 once past the allowance. */
  async failed(address: string): Promise<AppError | undefined> {
    const { store, observer, failuresPerMinute } = this.#options;
    if (failuresPerMinute <= 0) return undefined;
    const decision = await guarded(store.consume(`authfail:${address}`, 1, failuresPerMinute, MINUTE_MS));
    if (decision.allowed) return undefined;
    observer.rejected('auth-failures');
    const retryAfter = decision.resetSeconds;
    return new AppError(limitErrors.LIMIT_AUTH_FAILURES, {
      detail: `Too many refused API keys from this address; retry in ${retryAfter} s.`,
      details: { limit: failuresPerMinute, retry_after_seconds: retryAfter },
      headers: rateLimitHeaders(decision, 60),
    });
  }
}
