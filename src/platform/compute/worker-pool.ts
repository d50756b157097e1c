import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AppError } from '../errors/index.ts';
import { computeErrors } from './compute.errors.ts';
import { type ComputePriority, currentComputePriority } from './priority.ts';
import { PriorityTaskQueue } from './priority-task-queue.ts';
import { TaskControl } from './task-control.ts';
import type { SerializedError, TaskEnvelope, TaskReply } from './worker-entry.ts';

export type TaskOutcome = 'completed' | 'failed' | 'cancelled' | 'timed-out' | 'refused' | 'crashed';

export interface SettledTask {
  readonly kind: string;
  readonly priority: ComputePriority;
  readonly outcome: TaskOutcome;
  /** Milliseconds between submission and the worker starting it (the whole life when it never started). */
  readonly waitMs: number;
  /** Milliseconds the worker spent on it (0 when it never started). */
  readonly runMs: number;
}

/** How the pool reports to metrics and logs; kept to plain callbacks so the pool knows no registry. */
export interface ComputeObserver {
  taskSettled(task: SettledTask): void;
  workerCrashed?(kind: string, error: unknown): void;
}

export interface WorkerPoolOptions {
  /** The worker file: its default export is `createWorkerEntry(handlers)`. */
  readonly filename: URL;
  /** Worker threads; default: available cores - 1, at least 1. */
  readonly threads?: number;
  /** Interactive tasks that may wait at once; more are refused at once (503). */
  readonly maxQueue?: number;
  /** How long an interactive task may wait for a thread before it is refused (503). */
  readonly queueTimeoutMs?: number;
  /** How long a task may run before its thread is stopped (unless the task gives its own). */
  readonly taskTimeoutMs?: number;
  /** After a caller cancels a running task, how long it has to stop by itself before its thread is stopped. */
  readonly cancelGraceMs?: number;
  /** An idle thread exits after this long (and reloads its models on next use). */
  readonly idleTimeoutMs?: number;
  /** Old-generation heap limit per thread (MB): a task that needs more crashes alone. */
  readonly maxHeapMb?: number;
  /** Lowers the threads' OS priority so the event loop's thread is scheduled first. */
  readonly niceIncrement?: number;
  readonly reviveError?: (error: SerializedError) => Error;
  readonly observer?: ComputeObserver;
}

export interface RunOptions {
  /** Aborting it removes a queued task, or stops a running one (cooperatively, then by stopping its thread). */
  readonly signal?: AbortSignal | undefined;
  /** Default: the caller's (`withComputePriority`), else interactive. */
  readonly priority?: ComputePriority;
  /** Buffers moved (not copied) to the worker; the caller must not use them afterwards. */
  readonly transfer?: readonly ArrayBuffer[];
  readonly timeoutMs?: number;
}

export interface PoolStats {
  readonly threads: number;
  readonly maxThreads: number;
  readonly queued: Readonly<Record<ComputePriority, number>>;
  readonly running: number;
  /** Exponentially weighted mean run time of recent tasks (ms). */
  readonly meanRunMs: number;
}

type StopReason = 'cancelled' | 'queue-timeout' | 'timed-out' | 'closed';

interface Task {
  readonly kind: string;
  readonly priority: ComputePriority;
  readonly envelope: TaskEnvelope;
  readonly transfer: readonly ArrayBuffer[] | undefined;
  readonly control: TaskControl;
  readonly submittedAt: number;
  readonly timeoutMs: number;
  readonly abort: AbortController;
  readonly callerSignal: AbortSignal | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  dispatched: boolean;
  stop: StopReason | undefined;
  graceTimer: NodeJS.Timeout | undefined;
}

const SWEEP_INTERVAL_MS = 25;

/** Default thread count: one core stays with the event loop. */
export function defaultComputeThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * The process's CPU pool: worker threads (Piscina) that run everything that computes rather than waits, so
 * the event loop only moves bytes. Tasks wait in the pool's own two-lane queue (interactive before
 * background) and are handed to Piscina only when a thread is free. The interactive lane is bounded in size
 * and in waiting time (refused with `COMPUTE_POOL_SATURATED` and a `Retry-After` estimated from the queue);
 * every task has a run-time limit enforced by stopping its thread; a caller's signal removes its waiting
 * task or stops its running one; a thread that crashes fails only its own task and is replaced.
 */
export class WorkerPool {
  readonly #piscina: Piscina;
  readonly #queue = new PriorityTaskQueue<Task>();
  readonly #dispatched = new Set<Task>();
  readonly #maxQueue: number;
  readonly #queueTimeoutMs: number;
  readonly #taskTimeoutMs: number;
  readonly #cancelGraceMs: number;
  readonly #reviveError: (error: SerializedError) => Error;
  readonly #observer: ComputeObserver | undefined;
  readonly #maxThreads: number;
  #sweep: NodeJS.Timeout | undefined;
  #meanRunMs = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#maxThreads = Math.max(1, options.threads ?? defaultComputeThreads());
    this.#maxQueue = Math.max(1, options.maxQueue ?? 256);
    this.#queueTimeoutMs = options.queueTimeoutMs ?? 10_000;
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    this.#cancelGraceMs = options.cancelGraceMs ?? 1_000;
    this.#reviveError = options.reviveError ?? reviveAsError;
    this.#observer = options.observer;
    this.#piscina = new Piscina({
      filename: options.filename.href,
      minThreads: 0,
      maxThreads: this.#maxThreads,
      idleTimeout: options.idleTimeoutMs ?? 10 * 60_000,
      niceIncrement: options.niceIncrement ?? 0,
      recordTiming: false,
      closeTimeout: 5_000,
      ...(options.maxHeapMb === undefined
        ? {}
        : { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } }),
    });
    // A thread that dies outside a task (it cannot, short of a runtime fault) must not crash the process.
    this.#piscina.on('error', (error: unknown) => this.#observer?.workerCrashed?.('(idle)', error));
  }

  stats(): PoolStats {
    return {
      threads: this.#piscina.threads.length,
      maxThreads: this.#maxThreads,
      queued: {
        interactive: this.#queue.sizeOf('interactive'),
        background: this.#queue.sizeOf('background'),
      },
      running: this.#dispatched.size,
      meanRunMs: Math.round(this.#meanRunMs * 10) / 10,
    };
  }

  /** Seconds until a newly queued interactive task would likely start: queued work over the threads. */
  retryAfterSeconds(): number {
    const ahead = this.#queue.sizeOf('interactive') + this.#dispatched.size;
    const seconds = (ahead * Math.max(this.#meanRunMs, 10)) / this.#maxThreads / 1_000;
    return Math.min(60, Math.max(1, Math.ceil(seconds)));
  }

  run<T>(kind: string, input: unknown, options: RunOptions = {}): Promise<T> {
    const priority = options.priority ?? currentComputePriority();
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    if (this.#closed) {
      return Promise.reject(this.#saturated('The compute pool is closed (the process is shutting down).'));
    }
    if (priority === 'interactive' && this.#queue.sizeOf('interactive') >= this.#maxQueue) {
      this.#settled({ kind, priority, outcome: 'refused', waitMs: 0, runMs: 0 });
      return Promise.reject(this.#saturated(`The compute queue is full (${this.#maxQueue} tasks waiting).`));
    }
    const control = new TaskControl();
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        kind,
        priority,
        envelope: { kind, input, control: control.buffer },
        transfer: options.transfer,
        control,
        submittedAt: Date.now(),
        timeoutMs: options.timeoutMs ?? this.#taskTimeoutMs,
        abort: new AbortController(),
        callerSignal: options.signal,
        resolve: resolve as (value: unknown) => void,
        reject,
        dispatched: false,
        stop: undefined,
        graceTimer: undefined,
      };
      options.signal?.addEventListener('abort', () => this.#cancel(task), { once: true });
      this.#queue.push(task);
      this.#ensureSweep();
      this.#pump();
    });
  }

  /** Stops every thread now: waiting tasks are refused, running ones rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    for (let task = this.#queue.shift(); task !== undefined; task = this.#queue.shift()) {
      task.stop = 'closed';
      this.#finish(task, undefined, undefined);
    }
    for (const task of this.#dispatched) task.stop ??= 'closed';
    await this.#piscina.destroy();
  }

  #pump(): void {
    while (!this.#closed && this.#dispatched.size < this.#maxThreads) {
      const task = this.#queue.shift();
      if (task === undefined) return;
      this.#dispatch(task);
    }
  }

  #dispatch(task: Task): void {
    task.dispatched = true;
    this.#dispatched.add(task);
    this.#piscina
      .run(task.envelope, {
        signal: task.abort.signal,
        ...(task.transfer === undefined ? {} : { transferList: [...task.transfer] as never }),
      })
      .then(
        (reply: TaskReply) => this.#finish(task, reply, undefined),
        (error: unknown) => this.#finish(task, undefined, error),
      )
      .finally(() => {
        this.#dispatched.delete(task);
        this.#pump();
      });
  }

  /** Settles a task's promise once, from its reply, its thread's failure, or the reason it was stopped. */
  #finish(task: Task, reply: TaskReply | undefined, failure: unknown): void {
    clearTimeout(task.graceTimer);
    if (reply?.ok === true && task.stop === undefined) {
      this.#settle(task, 'completed');
      task.resolve(reply.value);
      return;
    }
    if (reply?.ok === false && task.stop === undefined) {
      this.#settle(task, 'failed');
      task.reject(this.#reviveError(reply.error));
      return;
    }
    task.reject(this.#stopped(task, failure));
  }

  #stopped(task: Task, failure: unknown): Error {
    switch (task.stop) {
      case 'cancelled':
        this.#settle(task, 'cancelled');
        return abortReason(task.callerSignal);
      case 'queue-timeout':
        this.#settle(task, 'refused');
        return this.#saturated(
          `Waited ${this.#queueTimeoutMs} ms for a compute thread (${this.#queue.sizeOf('interactive')} tasks queued).`,
        );
      case 'timed-out':
        this.#settle(task, 'timed-out');
        return new AppError(computeErrors.COMPUTE_TASK_TIMEOUT, {
          detail: `The ${task.kind} task ran longer than ${task.timeoutMs} ms and was stopped.`,
          details: { task: task.kind, timeout_ms: task.timeoutMs },
        });
      case 'closed':
        this.#settle(task, 'refused');
        return this.#saturated('The compute pool is closed (the process is shutting down).');
      case undefined: {
        this.#settle(task, 'crashed');
        this.#observer?.workerCrashed?.(task.kind, failure);
        const message = failure instanceof Error ? failure.message : String(failure);
        return new AppError(computeErrors.COMPUTE_WORKER_CRASHED, {
          detail: `The worker thread running the ${task.kind} task failed: ${message}.`,
          details: { task: task.kind },
          cause: failure,
        });
      }
    }
  }

  #cancel(task: Task): void {
    if (task.stop !== undefined) return;
    task.stop = 'cancelled';
    if (this.#queue.remove(task)) {
      this.#finish(task, undefined, undefined);
      return;
    }
    if (!task.dispatched) return;
    // Ask first (the thread keeps its loaded models); stop the thread only if the task does not listen.
    task.control.requestCancel();
    task.graceTimer = setTimeout(() => task.abort.abort(), this.#cancelGraceMs);
    task.graceTimer.unref();
  }

  #ensureSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = setInterval(() => this.#sweepDeadlines(), SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  /** One timer for every task: queue waits and run times past their limits. */
  #sweepDeadlines(): void {
    if (this.#queue.size === 0 && this.#dispatched.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
      return;
    }
    const now = Date.now();
    for (const task of this.#dispatched) {
      if (task.stop === undefined && task.control.started && now - task.control.startedAt > task.timeoutMs) {
        task.stop = 'timed-out';
        task.abort.abort();
      }
    }
    const expired = this.#queue
      .waiting('interactive')
      .filter((task) => now - task.submittedAt > this.#queueTimeoutMs);
    for (const task of expired) {
      this.#queue.remove(task);
      task.stop = 'queue-timeout';
      this.#finish(task, undefined, undefined);
    }
  }

  #settle(task: Task, outcome: TaskOutcome): void {
    const now = Date.now();
    const startedAt = task.control.startedAt;
    const waitMs = startedAt > 0 ? Math.max(0, startedAt - task.submittedAt) : now - task.submittedAt;
    const runMs = startedAt > 0 ? Math.max(0, now - startedAt) : 0;
    if (outcome === 'completed' || outcome === 'failed') {
      this.#meanRunMs = this.#meanRunMs === 0 ? runMs : this.#meanRunMs * 0.9 + runMs * 0.1;
    }
    this.#settled({ kind: task.kind, priority: task.priority, outcome, waitMs, runMs });
  }

  #settled(task: SettledTask): void {
    this.#observer?.taskSettled(task);
  }

  #saturated(detail: string): AppError {
    const stats = this.stats();
    const retryAfter = this.retryAfterSeconds();
    return new AppError(computeErrors.COMPUTE_POOL_SATURATED, {
      detail,
      details: {
        queue_depth: stats.queued.interactive + stats.queued.background,
        threads: stats.maxThreads,
        retry_after_seconds: retryAfter,
      },
      headers: { 'retry-after': String(retryAfter) },
    });
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

function reviveAsError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  return error;
}
