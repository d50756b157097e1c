// Durable jobs: any capability (or workflow) run in the background with retries, timeouts, leases and a
// dead-letter state; ordered, persisted events streamed over SSE, WebSocket and signed webhooks.
export { defineWorkflow } from './define-workflow.ts';
export { presentJob } from './job.presenter.ts';
export type {
  JobEvent,
  JobEventType,
  JobProblem,
  JobRecord,
  JobStatus,
  NewJobEvent,
  StepRecord,
  WebhookAttempt,
} from './job.types.ts';
export { isTerminal, JOB_EVENT_TYPES, JOB_STATUSES } from './job.types.ts';
export type { FeedEvent, FeedEventSource, FollowEnd, JobEventFeedOptions } from './job-event-feed.ts';
export { JobEventFeed } from './job-event-feed.ts';
export type { JobRunnerOptions, JobRunnerSettings } from './job-runner.ts';
export { JobRunner } from './job-runner.ts';
export type {
  AttemptEnd,
  AttemptFence,
  AttemptJournal,
  AttemptOutcome,
  CancelResult,
  CreateResult,
  EndedAttempt,
  JobListQuery,
  JobPage,
  JobRecordStore,
  JobStore,
  NewJob,
  RetryResult,
  RunningAttempt,
  StepWrite,
  WebhookDelivery,
  WebhookOutbox,
  WebhookRetry,
  WorkerInfo,
  WorkerLeaseStore,
} from './job-store.port.ts';
export type { JobFollowRoutesOptions, JobStreamRoutesOptions } from './job-stream.routes.ts';
export { registerJobFollowRoutes, registerJobStreamRoutes } from './job-stream.routes.ts';
export type { JobSettings, JobSystem, JobSystemOptions } from './job-system.ts';
export { createJobSystem } from './job-system.ts';
export { jobErrors } from './jobs.errors.ts';
export { registerJobRoutes } from './jobs.routes.ts';
export { idempotencyHeadersSchema, jobSchema, jobWebhookSchema } from './jobs.schemas.ts';
export type { CreatedJob, CreateJobRequest, JobDefaults } from './jobs.service.ts';
export { JobService } from './jobs.service.ts';
export { MemoryJobStore } from './memory-job-store.ts';
export { capabilityRunJob, JOB_CHANNELS, webhookSendJob } from './queue-deliveries.ts';
export { SqlJobStore } from './sql-job-store.ts';
export type { WebhookSenderOptions, WebhookSettings } from './webhook-sender.ts';
export { WebhookSender } from './webhook-sender.ts';
export type { VerifyWebhookOptions, WebhookHeaders } from './webhook-signature.ts';
export { signWebhook, verifyWebhook } from './webhook-signature.ts';
