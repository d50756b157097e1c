import type { z } from 'zod';
import type { JobEvent, JobRecord, WebhookAttempt } from './job.types.ts';
import type { jobEventSchema, jobSchema, webhookAttemptSchema } from './jobs.schemas.ts';

/** A job as clients see it: no tenant, no webhook secret, no worker internals; links to follow it. */
export function presentJob(job: JobRecord): z.output<typeof jobSchema> {
  const self = `/v1/jobs/${job.id}`;
  return {
    id: job.id,
    capability: job.capability,
    capability_version: job.capabilityVersion,
    status: job.status,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    timeout_ms: job.timeoutMs,
    input: job.input,
    result: job.result ?? null,
    error: job.error
      ? { ...job.error, ...(job.error.details ? { details: { ...job.error.details } } : {}) }
      : null,
    cancel_requested: job.cancelRequestedAt !== null && job.status === 'running',
    run_after: job.status === 'queued' ? (job.runAfter?.toISOString() ?? null) : null,
    last_event_id: job.lastEventId,
    request_id: job.requestId,
    webhook: job.webhook ? { url: job.webhook.url } : null,
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    updated_at: job.updatedAt.toISOString(),
    links: { self, events: `${self}/events`, websocket: `${self}/ws`, cancel: `${self}/cancel` },
  };
}

export function presentEvent(event: JobEvent): z.output<typeof jobEventSchema> {
  return {
    job_id: event.jobId,
    id: event.id,
    type: event.type,
    data: { ...event.data },
    created_at: event.createdAt.toISOString(),
  };
}

export function presentWebhookAttempt(attempt: WebhookAttempt): z.output<typeof webhookAttemptSchema> {
  return {
    delivery_id: attempt.deliveryId,
    attempt: attempt.attempt,
    event_type: attempt.eventType,
    url: attempt.url,
    outcome: attempt.outcome,
    response_status: attempt.responseStatus,
    error: attempt.error,
    duration_ms: attempt.durationMs,
    next_attempt_at: attempt.nextAttemptAt?.toISOString() ?? null,
    created_at: attempt.createdAt.toISOString(),
  };
}
