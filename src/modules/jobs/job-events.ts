import type { AppError } from '../../platform/errors/index.ts';
import type { JobProblem, JobRecord, NewJobEvent, RequeueReason } from './job.types.ts';

/** The stable members of a problem, safe to persist and show: no stack, no provider message. */
export function toJobProblem(error: AppError): JobProblem {
  return {
    code: error.code,
    title: error.definition.title,
    status: error.status,
    retryable: error.retryable,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

/** Builders for every event Keel itself emits, so both stores write identical data (docs/jobs.md). */
export const jobEvents = {
  queued(job: Pick<JobRecord, 'capability' | 'maxAttempts'>): NewJobEvent {
    return { type: 'job-queued', data: { capability: job.capability, max_attempts: job.maxAttempts } };
  },
  started(attempt: number): NewJobEvent {
    return { type: 'job-started', data: { attempt } };
  },
  requeued(reason: RequeueReason, attempt: number, runAfter: Date, error?: JobProblem): NewJobEvent {
    return {
      type: 'job-requeued',
      data: { reason, attempt, run_after: runAfter.toISOString(), ...(error ? { error } : {}) },
    };
  },
  succeeded(result: unknown, attempt: number): NewJobEvent {
    return { type: 'job-succeeded', data: { attempt, result } };
  },
  failed(error: JobProblem, attempt: number): NewJobEvent {
    return { type: 'job-failed', data: { attempt, error } };
  },
  cancelled(attempt: number): NewJobEvent {
    return { type: 'job-cancelled', data: { attempt } };
  },
} as const;
