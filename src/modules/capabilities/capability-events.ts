/** A streaming part a capability reports while it runs (a job persists and streams it as a job event). */
export type CapabilityEvent =
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'object-delta'; readonly partial: unknown };

/** What a step's code receives: the key effects outside Keel should be made idempotent with. */
export interface StepHandle {
  /** `<job id>:<step name>` in a job (stable across redeliveries), `<request id>:<step name>` otherwise. */
  readonly key: string;
}

/** The job an invocation runs for (absent in a plain HTTP call). */
export interface CapabilityJob {
  readonly id: string;
  /** 1 for the first attempt; a redelivered or retried job runs again with the next number. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * Stable across every attempt of the job (`keel-job:<job id>`): pass it to external systems that
   * deduplicate (a payment API's `Idempotency-Key`, a unique column) so an effect applied by an attempt
   * that later lost its lease is not applied twice. `step()` keys are per step.
   */
  readonly idempotencyKey: string;
}

/**
 * Where one invocation's events and steps go. The jobs module supplies one that persists events and
 * journals steps; a plain HTTP call gets `directReporter`, which drops events and just runs steps.
 */
export interface InvocationReporter {
  /** A streamed call's reporter resolves once the client has room for more (backpressure). */
  emit(event: CapabilityEvent): void | Promise<void>;
  progress(fraction: number, message: string | undefined): void;
  step<T>(name: string, run: (step: StepHandle) => Promise<T>): Promise<T>;
}

/** How a capability runs as a job (`POST /v1/<name>/jobs`); unset fields take the configured defaults. */
export interface CapabilityJobPolicy {
  /** Attempts before the job fails for good (1 means no retry). Only retryable errors are retried. */
  readonly attempts?: number;
  /** Exponential backoff between attempts, jittered: the first wait and the cap, in milliseconds. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /** Each attempt is aborted after this long and fails with `JOB_TIMED_OUT`. */
  readonly timeoutMs?: number;
}

/** The reporter of a call that is not a job: nothing to persist, so events are dropped and steps run. */
export function directReporter(requestId: string): InvocationReporter {
  return {
    emit: () => {},
    progress: () => {},
    step: (name, run) => run({ key: `${requestId}:${name}` }),
  };
}
