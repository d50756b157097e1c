import type { z } from 'zod';
import type { JobEvent, JobRecord, WebhookAttempt } from './job.types.ts';
import type { jobEventSchema, jobSchema, webhookAttemptSchema } from './jobs.schemas.ts';

/** A job as clients see it: no tenant, no webhook secret, no worker internals; links to follow it. */
export function presentJob(job: JobRecord): z.output<typeof jobSchema> {
  const self = `/v1/jobs/${job.id}`;
  return {
    id: job.id,
    capability: job.capability,
    capabilityVersion: job.capabilityVersion,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    input: job.input,
    result: job.result ?? null,
    error: job.error
      ? { ...job.error, ...(job.error.details ? { details: { ...job.error.details } } : {}) }
      : null,
    cancelRequested: job.cancelRequestedAt !== null && job.status === 'running',
    runAfter: job.status === 'queued' ? (job.runAfter?.toISOString() ?? null) : null,
    lastEventId: job.lastEventId,
    requestId: job.requestId,
    webhook: job.webhook ? { url: job.webhook.url } : null,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    updatedAt: job.updatedAt.toISOString(),
    links: { self, events: `${self}/events`, websocket: `${self}/ws`, cancel: `${self}/cancel` },
  };
}

export function presentEvent(event: JobEvent): z.output<typeof jobEventSchema> {
  return {
    jobId: event.jobId,
    id: event.id,
    type: event.type,
    data: { ...event.data },
    createdAt: event.createdAt.toISOString(),
  };
}

export function presentWebhookAttempt(attempt: WebhookAttempt): z.output<typeof webhookAttemptSchema> {
  return {
    deliveryId: attempt.deliveryId,
    attempt: attempt.attempt,
    eventType: attempt.eventType,
    url: attempt.url,
    outcome: attempt.outcome,
    responseStatus: attempt.responseStatus,
    error: attempt.error,
    durationMs: attempt.durationMs,
    nextAttemptAt: attempt.nextAttemptAt?.toISOString() ?? null,
    createdAt: attempt.createdAt.toISOString(),
  };
}
