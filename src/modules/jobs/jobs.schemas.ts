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
    capability_version: z.string(),
    status: jobStatusSchema,
    attempts: z.number().int().describe('Attempts started so far.'),
    max_attempts: z.number().int(),
    timeout_ms: z.number().int().describe('Each attempt is aborted after this long.'),
    input: z.unknown(),
    result: z.unknown().describe("The capability's output once `succeeded`; null before."),
    error: jobProblemSchema
      .nullable()
      .describe('Why it `failed`; while `queued` for a retry, why the last attempt failed.'),
    cancel_requested: z
      .boolean()
      .describe('Cancellation was asked for while it ran; the worker is stopping it.'),
    run_after: timestamp.nullable().describe('A retry will not start before this.'),
    last_event_id: z.number().int().describe('Id of its newest event (`Last-Event-ID` to resume from now).'),
    request_id: z.string().describe('The request that created it; its log lines carry this id.'),
    webhook: z.object({ url: z.string() }).nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    updated_at: timestamp,
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
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  })
  .meta({ id: 'JobPage' });

export const jobEventSchema = z
  .object({
    job_id: z.uuid(),
    id: z.number().int().describe('1, 2, 3... per job: the SSE `id`, and what `Last-Event-ID` refers to.'),
    type: z.enum(JOB_EVENT_TYPES),
    data: z.record(z.string(), z.unknown()),
    created_at: timestamp,
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
    delivery_id: z.uuid().describe('Same for every attempt of one delivery (the `webhook-id` header).'),
    attempt: z.number().int(),
    event_type: z.string(),
    url: z.string(),
    outcome: z.enum(['delivered', 'failed']),
    response_status: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
    next_attempt_at: timestamp
      .nullable()
      .describe('When it will be tried again; null once delivered or given up.'),
    created_at: timestamp,
  })
  .meta({ id: 'WebhookAttempt' });
