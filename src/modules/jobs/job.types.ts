/** Where a job is in its life; see docs/jobs.md for the state machine. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** A failure as a job keeps it: the problem document's stable members, never a stack or a provider message. */
export interface JobProblem {
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly detail?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface JobBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface JobWebhook {
  readonly url: string;
  /** Signs each delivery (HMAC-SHA256); stored to sign, never returned by the API. */
  readonly secret: string;
}

/** One job as the store keeps it. */
export interface JobRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  /** The request that enqueued it; its id is on every log line of the job. */
  readonly requestId: string;
  readonly capability: string;
  readonly capabilityVersion: string;
  readonly input: unknown;
  readonly status: JobStatus;
  /** Attempts started so far (an attempt handed back at shutdown is not counted). */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: JobBackoff;
  readonly result: unknown;
  readonly error: JobProblem | null;
  readonly idempotencyKey: string | null;
  readonly requestHash: string | null;
  readonly webhook: JobWebhook | null;
  readonly cancelRequestedAt: Date | null;
  readonly workerId: string | null;
  /** The queue delivery allowed to start the next attempt (a fencing token against stale deliveries). */
  readonly deliveryId: string | null;
  /** The next attempt will not start before this (retry backoff). */
  readonly runAfter: Date | null;
  /** Id of the newest event. */
  readonly lastEventId: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly attemptStartedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly updatedAt: Date;
}

export const JOB_EVENT_TYPES = [
  'job-queued',
  'job-started',
  'job-progress',
  'step-started',
  'step-succeeded',
  'step-failed',
  'step-skipped',
  'text-delta',
  'object-delta',
  'guardrail',
  'job-requeued',
  'job-succeeded',
  'job-failed',
  'job-cancelled',
] as const;
export type JobEventType = (typeof JOB_EVENT_TYPES)[number];

export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'job-succeeded',
  'job-failed',
  'job-cancelled',
]);

/** One persisted event; `id` increases by one per event of the same job, from 1. */
export interface JobEvent {
  readonly jobId: string;
  readonly id: number;
  readonly type: JobEventType;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface NewJobEvent {
  readonly type: JobEventType;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A completed workflow step, as the journal keeps it. */
export interface StepRecord {
  readonly jobId: string;
  readonly name: string;
  readonly result: unknown;
  readonly attempt: number;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** Why a job went back to `queued`. */
export type RequeueReason = 'attempt-failed' | 'worker-lost' | 'shutdown' | 'retry';

/** One webhook delivery attempt, as the delivery log keeps it. */
export interface WebhookAttempt {
  /** Same for every attempt of one delivery: the `webhook-id` header receivers deduplicate on. */
  readonly deliveryId: string;
  readonly attempt: number;
  readonly jobId: string;
  readonly tenantId: string;
  readonly eventType: string;
  readonly url: string;
  readonly outcome: 'delivered' | 'failed';
  readonly responseStatus: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  /** When the next attempt is due; null once delivered or given up. */
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
}
