import { z } from 'zod';
import { JOB_EVENT_TYPES, JOB_STATUSES } from './job.types.ts';

export const jobStatusSchema = z.enum(JOB_STATUSES).meta({
  id: 'JobStatus',
  description:
    '`queued` -> `running` -> `succeeded` | `failed` | `cancelled`; a retried attempt goes back to `queued`.',
});

export const jobProblemSchema = z
  .object({
    code: z.string().describe('Stable error code (docs/errors.md).'),
    title: z.string(),
    status: z.number().int().describe('The HTTP status the same failure has on a synchronous call.'),
    retryable: z.boolean(),
    detail: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'JobProblem', description: 'Why a job (or its latest attempt) failed.' });

const timestamp = z.iso.datetime();

export const jobSchema = z
  .object({
    id: z.uuid(),
    capability: z.string(),
    capabilityVersion: z.string(),
    status: jobStatusSchema,
    attempts: z.number().int().describe('Attempts started so far.'),
    maxAttempts: z.number().int(),
    timeoutMs: z.number().int().describe('Each attempt is aborted after this long.'),
    input: z.unknown(),
    result: z.unknown().describe("The capability's output once `succeeded`; null before."),
    error: jobProblemSchema
      .nullable()
      .describe('Why it `failed`; while `queued` for a retry, why the last attempt failed.'),
    cancelRequested: z
      .boolean()
      .describe('Cancellation was asked for while it ran; the worker is stopping it.'),
    runAfter: timestamp.nullable().describe('A retry will not start before this.'),
    lastEventId: z.number().int().describe('Id of its newest event (`Last-Event-ID` to resume from now).'),
    requestId: z.string().describe('The request that created it; its log lines carry this id.'),
    webhook: z.object({ url: z.string() }).nullable(),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    updatedAt: timestamp,
    links: z.object({
      self: z.string(),
      events: z.string().describe('Server-Sent Events, resumable with `Last-Event-ID`.'),
      websocket: z.string().describe('The same events over a WebSocket.'),
      cancel: z.string(),
    }),
  })
  .meta({ id: 'Job' });

export const jobPageSchema = z
  .object({
    items: z.array(jobSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  })
  .meta({ id: 'JobPage' });

export const jobEventSchema = z
  .object({
    jobId: z.uuid(),
    id: z.number().int().describe('1, 2, 3... per job: the SSE `id`, and what `Last-Event-ID` refers to.'),
    type: z.enum(JOB_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
  })
  .meta({ id: 'JobEvent', description: 'One event of a job; docs/jobs.md lists each type and its data.' });

export const jobWebhookSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_048)
      .describe('Receives a POST when the job succeeds, fails or is cancelled.'),
    secret: z
      .string()
      .min(24)
      .max(256)
      .describe(
        'Signs each delivery (HMAC-SHA256, Standard Webhooks headers). Stored to sign, never returned; `whsec_<base64>` is read as a base64 key.',
      ),
  })
  .strict()
  .meta({ id: 'JobWebhook' });

export const createJobSchema = z
  .object({
    capability: z.string().min(1).max(64).describe('Name of the capability to run (its `POST /v1/<name>`).'),
    input: z.unknown().describe("The capability's input; validated now, not when the job runs."),
    webhook: jobWebhookSchema
      .nullable()
      .optional()
      .describe("Omitted: the API key's default webhook, if it has one. `null`: no webhook for this job."),
  })
  .strict()
  .meta({ id: 'CreateJob' });

export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Same key and same body: the same job again. Same key, different body: 409.'),
});

export const webhookAttemptSchema = z
  .object({
    deliveryId: z.uuid().describe('Same for every attempt of one delivery (the `webhook-id` header).'),
    attempt: z.number().int(),
    eventType: z.string(),
    url: z.string(),
    outcome: z.enum(['delivered', 'failed']),
    responseStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    nextAttemptAt: timestamp
      .nullable()
      .describe('When it will be tried again; null once delivered or given up.'),
    createdAt: timestamp,
  })
  .meta({ id: 'WebhookAttempt' });
