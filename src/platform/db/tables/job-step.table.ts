import type { JSONColumnType } from 'kysely';
import type { Timestamp } from './column-types.ts';

/** Owned by the jobs module (0003): completed workflow steps, so a redelivered job skips them. */
export interface JobStepTable {
  job_id: string;
  name: string;
  result: JSONColumnType<object | null>;
  attempt: number;
  started_at: Timestamp;
  finished_at: Timestamp;
}
