/**
 * A few shared bytes per task, read by both threads: the worker marks when it starts (so the pool knows
 * queue wait from run time without a message), and the pool asks a running task to stop (the worker checks
 * between steps). Layout: Int32 [started, cancelRequested], Float64 [startedAt epoch ms].
 */
export class TaskControl {
  readonly buffer: SharedArrayBuffer;
  readonly #flags: Int32Array;
  readonly #times: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.buffer = buffer;
    this.#flags = new Int32Array(buffer, 0, 2);
    this.#times = new Float64Array(buffer, 8, 1);
  }

  markStarted(now: number): void {
    this.#times[0] = now;
    Atomics.store(this.#flags, 0, 1);
  }

  get started(): boolean {
    return Atomics.load(this.#flags, 0) === 1;
  }

  /** Epoch milliseconds at which the worker started the task (0 while queued). */
  get startedAt(): number {
    return this.started ? (this.#times[0] ?? 0) : 0;
  }

  requestCancel(): void {
    Atomics.store(this.#flags, 1, 1);
  }

  get cancelRequested(): boolean {
    return Atomics.load(this.#flags, 1) === 1;
  }
}
