import type {
  JobBackoff,
  JobEvent,
  JobProblem,
  JobRecord,
  JobStatus,
  JobWebhook,
  NewJobEvent,
  StepRecord,
  WebhookAttempt,
} from './job.types.ts';
import type { WebhookSendPayload } from './queue-deliveries.ts';

export interface NewJob {
  readonly id: string;
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  readonly requestId: string;
  readonly capability: string;
  readonly capabilityVersion: string;
  readonly input: unknown;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: JobBackoff;
  readonly idempotencyKey: string | null;
  /** Digest of the request that created it, compared when the idempotency key comes back. */
  readonly requestHash: string | null;
  readonly webhook: JobWebhook | null;
}

/** `created: false` means a job with the same tenant and idempotency key already existed: it is returned. */
export interface CreateResult {
  readonly job: JobRecord;
  readonly created: boolean;
}

export interface JobListQuery {
  readonly status?: JobStatus;
  readonly capability?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface JobPage {
  readonly items: readonly JobRecord[];
  readonly nextCursor: string | null;
}

/**
 * `cancelled`: it was queued and is now cancelled. `requested`: it is running; its worker is told to abort.
 * `unchanged`: it had already finished or been cancelled, or cancellation was already requested.
 */
export interface CancelResult {
  readonly outcome: 'cancelled' | 'requested' | 'unchanged';
  readonly job: JobRecord;
}

/** `requeued`: it was failed and is queued again with a fresh attempt budget. */
export interface RetryResult {
  readonly outcome: 'requeued' | 'unchanged';
  readonly job: JobRecord;
}

/** Identifies one attempt held by one worker: every write of a running attempt is fenced by it. */
export interface AttemptFence {
  readonly jobId: string;
  readonly workerId: string;
  readonly attempt: number;
}

export type AttemptOutcome =
  | { readonly kind: 'succeeded'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly error: JobProblem }
  | { readonly kind: 'cancelled' }
  | {
      readonly kind: 'requeued';
      /** `shutdown` hands the attempt back uncounted; the others keep it counted. */
      readonly reason: 'attempt-failed' | 'shutdown' | 'worker-lost';
      readonly runAfter: Date;
      readonly error?: JobProblem;
    };

export interface AttemptEnd {
  readonly fence: AttemptFence;
  readonly outcome: AttemptOutcome;
  /** Events the attempt emitted that were not written yet; they precede the outcome's event. */
  readonly events: readonly NewJobEvent[];
}

/** A job leased to a worker, as the store sees it. */
export interface RunningAttempt {
  readonly jobId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly attemptStartedAt: Date;
}

/** Where an ended attempt left its job. */
export interface EndedAttempt {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly lastEventId: number;
}

export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

export interface StepWrite {
  readonly name: string;
  readonly result: unknown;
  readonly startedAt: Date;
}

/** A webhook attempt that failed and will be tried again. */
export interface WebhookRetry {
  readonly payload: WebhookSendPayload;
  readonly startAfter: Date;
}

/**
 * A webhook delivery being attempted. Taking it also queued a safety copy due after the attempt's
 * deadline, so a sender that dies mid-attempt loses nothing; recording the attempt withdraws the copy.
 */
export interface WebhookDelivery {
  readonly payload: WebhookSendPayload;
  readonly safetyCopyId: string;
}

/**
 * Jobs as tenants see them: rows and their events, created, listed, cancelled and retried by the API (and
 * the CLI). Every read filters by tenant in the query.
 */
export interface JobRecordStore {
  create(job: NewJob, now: Date): Promise<CreateResult>;
  /** Creates several jobs in one transaction (group commit); results in order. */
  createMany(jobs: readonly NewJob[], now: Date): Promise<CreateResult[]>;
  get(tenantId: string, id: string): Promise<JobRecord | undefined>;
  list(tenantId: string, query: JobListQuery): Promise<JobPage>;
  /** Events after `afterId`, oldest first; undefined when the tenant has no such job. */
  events(tenantId: string, jobId: string, afterId: number, limit: number): Promise<JobEvent[] | undefined>;
  cancel(tenantId: string, id: string, now: Date): Promise<CancelResult | undefined>;
  retry(tenantId: string, id: string, now: Date): Promise<RetryResult | undefined>;
  webhookAttempts(tenantId: string, jobId: string): Promise<WebhookAttempt[] | undefined>;
}

/** What a running attempt writes while it runs: its events and its step journal, fenced by its attempt. */
export interface AttemptJournal {
  /** Appends events (and journals a step) for a running attempt; undefined when the fence no longer holds. */
  appendEvents(
    fence: AttemptFence,
    events: readonly NewJobEvent[],
    now: Date,
    step?: StepWrite,
  ): Promise<number | undefined>;
  steps(jobId: string): Promise<StepRecord[]>;
}

/** The worker side: leases, claims and the ends of attempts. */
export interface WorkerLeaseStore extends AttemptJournal {
  /** `evictOthers`: every other registered worker is gone (embedded: one process owns the database). */
  registerWorker(worker: WorkerInfo, options: { readonly evictOthers: boolean }): Promise<void>;
  /** Renews the worker's lease; false when it had lapsed and its jobs were given to others. */
  heartbeat(workerId: string): Promise<boolean>;
  unregisterWorker(workerId: string): Promise<void>;
  /**
   * Ends the lease of every worker silent for `leaseMs` and re-queues its running jobs (or fails those out
   * of attempts with `JOB_WORKER_LOST`). Returns the jobs it changed.
   */
  recoverLostJobs(leaseMs: number, now: Date, limit: number): Promise<JobRecord[]>;
  /** Takes due deliveries and starts the attempts they name (attempt + 1, `job-started`). */
  claim(workerId: string, limit: number, now: Date): Promise<JobRecord[]>;
  /** Ends attempts; each result says where the job went, or is undefined where the fence no longer held. */
  endAttempts(ends: readonly AttemptEnd[], now: Date): Promise<(EndedAttempt | undefined)[]>;
  /** Running jobs of this worker whose cancellation was requested. */
  cancelRequested(workerId: string): Promise<string[]>;
  /** Every job the store says this worker is running (to find attempts the worker no longer holds). */
  runningFor(workerId: string): Promise<RunningAttempt[]>;
  /** Housekeeping the database does not do itself (vacuum on PGlite, which has no autovacuum). */
  maintain(): Promise<void>;
}

/** The webhook outbox: deliveries queued with terminal events, taken, attempted and logged. */
export interface WebhookOutbox {
  /** Any tenant's job: a delivery names its job, and the sender needs its URL and secret. */
  findJob(jobId: string): Promise<JobRecord | undefined>;
  /** Takes due webhook deliveries; each gets a safety copy due `leaseMs` from now. */
  takeWebhookDeliveries(limit: number, leaseMs: number, now: Date): Promise<WebhookDelivery[]>;
  /** Withdraws a delivery's safety copy without logging an attempt (its job no longer wants it). */
  discardWebhookDelivery(delivery: WebhookDelivery): Promise<void>;
  /** Logs an attempt, withdraws its safety copy, and queues the retry if there is one. */
  recordWebhookAttempt(
    attempt: WebhookAttempt,
    delivery: WebhookDelivery,
    retry?: WebhookRetry,
  ): Promise<void>;
}

/**
 * Storage of jobs: rows, events, step journal, worker leases and the webhook log, plus the queue deliveries
 * that go with them, written in the same transaction. Changes are announced on the notifier after they
 * commit. Adapters implement all of it; each user depends on the narrow port it needs.
 */
export interface JobStore extends JobRecordStore, WorkerLeaseStore, WebhookOutbox {}
