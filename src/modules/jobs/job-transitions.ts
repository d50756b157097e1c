import { AppError } from '../../platform/errors/index.ts';
import type { JobBackoff, JobProblem, JobStatus, NewJobEvent } from './job.types.ts';
import { jobEvents, toJobProblem } from './job-events.ts';
import type { AttemptEnd, AttemptOutcome } from './job-store.port.ts';
import { jobErrors } from './jobs.errors.ts';
import { capabilityRunJob, webhookSendJob } from './queue-deliveries.ts';

/**
 * The job state machine (docs/jobs.md) as pure functions: given what a job is and what happened to it, the
 * state it moves to and the effects that go with the move. Both JobStore adapters ask `transition` and
 * only carry the answer out (rows, events, deliveries, notifications), so the rules cannot drift apart.
 */

/** What a transition reads of a job. */
export interface JobSnapshot {
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly workerId: string | null;
  /** The queue delivery allowed to start the next attempt. */
  readonly deliveryId: string | null;
  readonly cancelRequested: boolean;
  readonly error: JobProblem | null;
  readonly hasWebhook: boolean;
}

/** What can happen to a job. */
export type JobTrigger =
  /** A worker took a delivery naming the job. */
  | { readonly kind: 'claim'; readonly workerId: string; readonly deliveryId: string }
  /** A tenant asked to cancel it. */
  | { readonly kind: 'cancel' }
  /** A tenant asked to run a failed job again. */
  | { readonly kind: 'retry' }
  /** The worker holding an attempt reports how it ended. */
  | { readonly kind: 'attempt-end'; readonly end: Omit<AttemptEnd, 'events'> }
  /** The worker holding the job lost its lease. */
  | { readonly kind: 'worker-lost' };

export type JobTriggerKind = JobTrigger['kind'];

export type TerminalEventType = 'job-succeeded' | 'job-failed' | 'job-cancelled';

/** The new column values of a job that moves, and what must be queued and announced with them. */
export interface JobChange {
  readonly status: JobStatus;
  readonly attempts: number;
  readonly result: unknown;
  readonly error: JobProblem | null;
  /** The worker that now holds it (only a claim sets one). */
  readonly workerId: string | null;
  readonly runAfter: Date | null;
  /** Stamps `finishedAt` (terminal), or clears it. */
  readonly finished: boolean;
  /** `clear` forgets an earlier cancellation request; `keep` leaves it as it is. */
  readonly cancelRequest: 'keep' | 'clear';
  /** Appended after the events the attempt buffered; the last is the one that names the move. */
  readonly events: readonly NewJobEvent[];
  /** Queue a delivery for the next attempt, not before `startAfter`; it becomes the job's fencing token. */
  readonly queueAttempt: { readonly startAfter: Date | null } | null;
  /** Queue a webhook delivery of this terminal event (its id is the job's newest event id). */
  readonly queueWebhook: TerminalEventType | null;
  /** Queues that get new deliveries from this move: announced on `JOB_CHANNELS.available` after commit. */
  readonly available: readonly string[];
}

export type JobTransition =
  /** Nothing changes: a refused or repeated request, or a stale attempt/delivery. */
  | { readonly kind: 'unchanged' }
  /** Only `cancelRequestedAt` is stamped; the running attempt's worker is told to abort it. */
  | { readonly kind: 'cancel-requested' }
  | { readonly kind: 'moved'; readonly change: JobChange };

const UNCHANGED: JobTransition = { kind: 'unchanged' };

/** The next state of `job` after `trigger`, and its effects. */
export function transition(job: JobSnapshot, trigger: JobTrigger, now: Date): JobTransition {
  switch (trigger.kind) {
    case 'claim':
      if (job.status !== 'queued' || job.deliveryId !== trigger.deliveryId) return UNCHANGED;
      return moved({
        status: 'running',
        attempts: job.attempts + 1,
        result: null,
        error: job.error,
        workerId: trigger.workerId,
        runAfter: null,
        finished: false,
        cancelRequest: 'keep',
        events: [jobEvents.started(job.attempts + 1)],
        queueAttempt: null,
        queueWebhook: null,
      });
    case 'cancel':
      if (job.status === 'queued') return finish(job, 'cancelled', [jobEvents.cancelled(job.attempts)]);
      if (job.status === 'running' && !job.cancelRequested) return { kind: 'cancel-requested' };
      return UNCHANGED;
    case 'retry':
      if (job.status !== 'failed') return UNCHANGED;
      return moved({
        status: 'queued',
        attempts: 0,
        result: null,
        error: null,
        workerId: null,
        runAfter: null,
        finished: false,
        cancelRequest: 'clear',
        events: [jobEvents.requeued('retry', 0, now)],
        queueAttempt: { startAfter: null },
        queueWebhook: null,
      });
    case 'attempt-end':
      if (!holds(job, trigger.end.fence)) return UNCHANGED;
      return attemptEnded(job, trigger.end.fence.attempt, trigger.end.outcome);
    case 'worker-lost':
      if (job.status !== 'running') return UNCHANGED;
      // It ends whatever attempt the job is on; a cancellation requested meanwhile wins.
      return attemptEnded(
        job,
        job.attempts,
        job.cancelRequested
          ? { kind: 'cancelled' }
          : lostAttemptOutcome(
              job,
              now,
              `The worker running attempt ${job.attempts} stopped, and no attempts are left.`,
            ),
      );
  }
}

/** Whether the worker and attempt of a fence still hold the job: every write of an attempt checks it. */
export function holds(
  job: JobSnapshot,
  fence: { readonly workerId: string; readonly attempt: number },
): boolean {
  return job.status === 'running' && job.workerId === fence.workerId && job.attempts === fence.attempt;
}

function attemptEnded(job: JobSnapshot, attempt: number, reported: AttemptOutcome): JobTransition {
  // A cancellation requested while the attempt ran wins over a retry.
  const outcome: AttemptOutcome =
    job.cancelRequested && reported.kind === 'requeued' ? { kind: 'cancelled' } : reported;
  switch (outcome.kind) {
    case 'succeeded':
      return finish(job, 'succeeded', [jobEvents.succeeded(outcome.result, attempt)], outcome.result);
    case 'failed':
      return finish(job, 'failed', [jobEvents.failed(outcome.error, attempt)], null, outcome.error);
    case 'cancelled':
      return finish(job, 'cancelled', [jobEvents.cancelled(attempt)]);
    case 'requeued':
      return moved({
        status: 'queued',
        // A shutdown hands the attempt back: it does not count against the budget.
        attempts: outcome.reason === 'shutdown' ? attempt - 1 : attempt,
        result: null,
        error: outcome.error ?? job.error,
        workerId: null,
        runAfter: outcome.runAfter,
        finished: false,
        cancelRequest: 'keep',
        events: [jobEvents.requeued(outcome.reason, attempt, outcome.runAfter, outcome.error)],
        queueAttempt: { startAfter: outcome.runAfter },
        queueWebhook: null,
      });
  }
}

/** A terminal move: its final event last, and the webhook delivery of that event when the job has one. */
function finish(
  job: JobSnapshot,
  status: 'succeeded' | 'failed' | 'cancelled',
  events: readonly NewJobEvent[],
  result: unknown = null,
  error: JobProblem | null = null,
): JobTransition {
  const eventType: TerminalEventType =
    status === 'succeeded' ? 'job-succeeded' : status === 'failed' ? 'job-failed' : 'job-cancelled';
  return moved({
    status,
    attempts: job.attempts,
    result,
    error,
    workerId: null,
    runAfter: null,
    finished: true,
    cancelRequest: 'keep',
    events,
    queueAttempt: null,
    queueWebhook: job.hasWebhook ? eventType : null,
  });
}

function moved(change: Omit<JobChange, 'available'>): JobTransition {
  const available = [
    ...(change.queueAttempt ? [capabilityRunJob.name] : []),
    ...(change.queueWebhook ? [webhookSendJob.name] : []),
  ];
  return { kind: 'moved', change: { ...change, available } };
}

/**
 * How an attempt whose worker is gone ends: requeued at once while attempts remain (the attempt counts),
 * else failed for good with `JOB_WORKER_LOST`.
 */
export function lostAttemptOutcome(
  job: Pick<JobSnapshot, 'attempts' | 'maxAttempts'>,
  now: Date,
  detail: string,
): AttemptOutcome {
  if (job.attempts >= job.maxAttempts) {
    return { kind: 'failed', error: toJobProblem(new AppError(jobErrors.JOB_WORKER_LOST, { detail })) };
  }
  return { kind: 'requeued', reason: 'worker-lost', runAfter: now };
}

/**
 * How an attempt that threw ends: failed for good (the dead-letter state) when the error is not retryable
 * or no attempts are left, else requeued after the backoff, or the provider's Retry-After when longer.
 */
export function failedAttemptOutcome(
  job: { readonly attempts: number; readonly maxAttempts: number; readonly backoff: JobBackoff },
  error: AppError,
  now: Date,
  random: () => number = Math.random,
): AttemptOutcome {
  const problem = toJobProblem(error);
  if (!error.retryable || job.attempts >= job.maxAttempts) return { kind: 'failed', error: problem };
  const delay = Math.max(backoffMs(job.backoff, job.attempts, random), retryAfterMs(error, now) ?? 0);
  return {
    kind: 'requeued',
    reason: 'attempt-failed',
    runAfter: new Date(now.getTime() + delay),
    error: problem,
  };
}

/** Exponential backoff with jitter: between half and all of `initial * 2^(attempt - 1)`, capped. */
export function backoffMs(backoff: JobBackoff, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A provider's Retry-After (seconds or an HTTP date), capped at ten minutes. */
function retryAfterMs(error: AppError, now: Date): number | undefined {
  const header = error.headers?.['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : new Date(header).getTime() - now.getTime();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 600_000) : undefined;
}
