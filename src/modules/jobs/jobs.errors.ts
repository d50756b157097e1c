import { defineErrors } from '../../platform/errors/index.ts';

export const jobErrors = defineErrors({
  JOB_NOT_FOUND: {
    status: 404,
    title: 'No such job',
    category: 'user',
    retryable: false,
    description: 'No job with this id exists for your tenant.',
  },
  JOB_CAPABILITY_UNKNOWN: {
    status: 400,
    title: 'No such capability',
    category: 'user',
    retryable: false,
    description:
      '`capability` names no registered capability. `GET /openapi.json` lists them (each `POST /v1/<name>/jobs`).',
  },
  JOB_IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'The Idempotency-Key was used with a different request',
    category: 'user',
    retryable: false,
    description:
      'A job was already created with this `Idempotency-Key` from a different body (or capability). Sending the same body again returns that job; a new request needs a new key. `job_id` names the existing job.',
  },
  JOB_ALREADY_FINISHED: {
    status: 409,
    title: 'The job has already finished',
    category: 'user',
    retryable: false,
    description: 'The job succeeded or failed before it could be cancelled. `job_status` says how it ended.',
  },
  JOB_NOT_RETRYABLE: {
    status: 409,
    title: 'Only a failed job can be retried',
    category: 'user',
    retryable: false,
    description:
      '`POST /v1/jobs/{id}/retry` re-queues a job from the dead-letter state (`failed`). `job_status` says where this one is.',
  },
  JOB_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
  JOB_WEBSOCKET_UPGRADE_REQUIRED: {
    status: 426,
    title: 'This route speaks WebSocket',
    category: 'user',
    retryable: false,
    description:
      'Open it as a WebSocket (`Upgrade: websocket`), or follow the same events over Server-Sent Events at `/v1/jobs/{id}/events`.',
  },
  JOB_TIMED_OUT: {
    status: 504,
    title: 'The job attempt ran out of time',
    category: 'system',
    retryable: true,
    description:
      "An attempt ran longer than the capability's job timeout and was aborted. It is retried while attempts remain; `timeout_ms` gives the limit.",
  },
  JOB_WORKER_LOST: {
    status: 500,
    title: 'The worker running the job stopped',
    category: 'system',
    retryable: true,
    description:
      'The worker process running an attempt died (crash, kill -9, lost host) and its lease lapsed. The job is retried on another worker while attempts remain; this is the error once they are used up.',
  },
});
