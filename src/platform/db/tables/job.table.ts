import type { Generated, JSONColumnType } from 'kysely';
import type { NullableTimestamp, Timestamp } from './column-types.ts';

/** Owned by the jobs module (0003): one row per job, the state clients see. */
export interface JobTable {
  id: string;
  tenant_id: string;
  api_key_id: string | null;
  request_id: string;
  capability: string;
  capability_version: string;
  input: JSONColumnType<object | null>;
  status: string;
  attempts: Generated<number>;
  max_attempts: number;
  timeout_ms: number;
  backoff: JSONColumnType<{ initialMs: number; maxMs: number }>;
  result: JSONColumnType<object | null>;
  error: JSONColumnType<Record<string, unknown> | null>;
  idempotency_key: string | null;
  request_hash: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  cancel_requested_at: NullableTimestamp;
  worker_id: string | null;
  delivery_id: string | null;
  run_after: NullableTimestamp;
  event_seq: Generated<number>;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  attempt_started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
  sequence: Generated<string>;
}
