/**
 * The abort signal of one attempt: it fires when the caller's signal does (client gone), or when the
 * attempt's own deadline passes (reason: a `TimeoutError`, as `AbortSignal.timeout` gives). Linked by hand
 * rather than with `AbortSignal.any`, so nothing stays attached to the caller's signal after `dispose()`.
 */
export class AttemptSignal {
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort: () => void;
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;
  #idleMs = 0;
  #lastActivity = 0;

  constructor(caller: AbortSignal | undefined, timeoutMs: number, what: string) {
    this.#caller = caller;
    this.#onCallerAbort = () => this.#controller.abort(caller?.reason);
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
    this.#arm(timeoutMs, what);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The attempt's own timer fired (as opposed to the caller aborting). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /**
   * Replaces the deadline with an idle watchdog: the signal fires once `idleMs` pass without `touch()`.
   * One timer per stream, re-armed only when it fires, instead of one timer per chunk.
   */
  watchIdle(idleMs: number): void {
    this.#idleMs = idleMs;
    this.#lastActivity = performance.now();
    this.#arm(idleMs, 'idle');
  }

  touch(): void {
    this.#lastActivity = performance.now();
  }

  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  #arm(ms: number, what: string): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fire(what), Math.max(0, ms));
    // A pending attempt keeps the process busy anyway; the timer alone must not hold it open.
    this.#timer.unref();
  }

  #fire(what: string): void {
    this.#timer = undefined;
    if (this.#idleMs > 0) {
      const silent = performance.now() - this.#lastActivity;
      if (silent < this.#idleMs) {
        this.#arm(this.#idleMs - silent, what);
        return;
      }
    }
    this.#timedOut = true;
    this.#controller.abort(
      new DOMException(
        what === 'idle'
          ? `the stream sent nothing for ${this.#idleMs} ms`
          : `no ${what} within the attempt's deadline`,
        'TimeoutError',
      ),
    );
  }
}
