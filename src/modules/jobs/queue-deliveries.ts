// What the job module puts on the queue (a capability attempt, a webhook delivery) and the channels that wake
// its consumers. The job row stays the truth; a delivery only says "look at this job now" (decision 0040).
import { z } from 'zod';
import { defineJobType } from '../../platform/jobs/index.ts';

/** Starts the next attempt of a job; only the delivery the job row names may (a fencing token). */
export const capabilityRunJob = defineJobType('jobs.capability-run', z.object({ jobId: z.uuid() }));

/** One attempt at delivering a terminal job event to the job's webhook. */
export const webhookSendJob = defineJobType(
  'jobs.webhook-send',
  z.object({
    jobId: z.uuid(),
    /** Stays the same across attempts: receivers deduplicate on it (`webhook-id`). */
    deliveryId: z.uuid(),
    eventType: z.enum(['job-succeeded', 'job-failed', 'job-cancelled']),
    eventId: z.number().int().min(1),
    attempt: z.number().int().min(1),
  }),
);

export type WebhookSendPayload = z.output<typeof webhookSendJob.payload>;

/** Notification channels (see platform/jobs Notifier): payloads are hints, data is read from the store. */
export const JOB_CHANNELS = {
  /** A queue has new deliveries; payload: the queue name. */
  available: 'keel_jobs_available',
  /** A job has new events; payload: the job id. */
  events: 'keel_job_events',
  /** Cancellation was requested for a running job; payload: the job id. */
  cancel: 'keel_job_cancel',
} as const;
