import type { JSONColumnType } from 'kysely';
import type { Timestamp } from './column-types.ts';

/** Owned by the jobs module (0003): a job's ordered events; `seq` is the per-job event id. */
export interface JobEventTable {
  job_id: string;
  seq: number;
  type: string;
  data: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
}
