import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { ResilienceSettings } from '../gateway-settings.ts';
import type { Failure } from './failure.ts';

export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Permission to call a deployment once; report how it went exactly once. */
export interface Admission {
  succeed(): void;
  fail(failure: Failure): void;
}

/** Marks a failure the breaker counts; anything else passes through it uncounted. */
class CountedFailure extends Error {}
class UncountedOutcome extends Error {}

/**
 * One deployment's circuit breaker (cockatiel): `failureThreshold` consecutive counted failures open it;
 * after `halfOpenAfterMs` the next call is the probe (half-open) and its outcome closes or re-opens it.
 * While the probe runs, other calls skip the deployment at once (cockatiel would make them wait for it).
 * Streams report their outcome when they end, so a stream that dies mid-way counts too.
 */
export class DeploymentHealth {
  readonly #policy: CircuitBreakerPolicy;
  readonly #halfOpenAfterMs: number;
  #openedAt = 0;

  constructor(settings: ResilienceSettings['breaker'], onChange?: (state: CircuitStateName) => void) {
    this.#halfOpenAfterMs = settings.halfOpenAfterMs;
    this.#policy = circuitBreaker(
      handleWhen((error) => error instanceof CountedFailure),
      {
        halfOpenAfter: settings.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(settings.failureThreshold),
      },
    );
    this.#policy.onBreak(() => {
      this.#openedAt = Date.now();
    });
    if (onChange) this.#policy.onStateChange((state) => onChange(nameOf(state)));
  }

  get state(): CircuitStateName {
    return nameOf(this.#policy.state);
  }

  /** Milliseconds until an open circuit lets a probe through (0 when closed or due). */
  retryInMs(now: number = Date.now()): number {
    if (this.#policy.state === CircuitState.HalfOpen) return this.#halfOpenAfterMs;
    if (this.#policy.state !== CircuitState.Open) return 0;
    return Math.max(0, this.#openedAt + this.#halfOpenAfterMs - now);
  }

  /** Undefined when the circuit refuses the call (open, or a probe already in flight). */
  admit(): Admission | undefined {
    if (this.#policy.state === CircuitState.HalfOpen) return undefined;
    let admitted = false;
    const outcome = Promise.withResolvers<void>();
    // cockatiel invokes the function synchronously when it admits the call, so `admitted` is known now.
    this.#policy
      .execute(() => {
        admitted = true;
        return outcome.promise;
      })
      .catch(() => {});
    if (!admitted) return undefined;
    let settled = false;
    return {
      succeed: () => {
        if (settled) return;
        settled = true;
        outcome.resolve();
      },
      fail: (failure) => {
        if (settled) return;
        settled = true;
        outcome.reject(failure.countsAgainstDeployment ? new CountedFailure() : new UncountedOutcome());
      },
    };
  }
}

function nameOf(state: CircuitState): CircuitStateName {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'open';
  }
}
