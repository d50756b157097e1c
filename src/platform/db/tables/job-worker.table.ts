import type { Timestamp } from './column-types.ts';

/** Owned by the jobs module (0003): live worker processes; a stale heartbeat ends their lease. */
export interface JobWorkerTable {
  id: string;
  host: string;
  pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}
