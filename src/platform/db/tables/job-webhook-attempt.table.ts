import type { NullableTimestamp, Timestamp } from './column-types.ts';

/** Owned by the jobs module (0003): the webhook delivery log, one row per attempt. */
export interface JobWebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  job_id: string;
  tenant_id: string;
  event_type: string;
  url: string;
  outcome: string;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
  next_attempt_at: NullableTimestamp;
  created_at: Timestamp;
}
