import { type RetentionSweep, startRetentionSweep } from '../../platform/retention/index.ts';
import type { RequestLogStore } from './request-log.port.ts';

export interface RetentionOptions {
  readonly store: RequestLogStore;
  /** Records older than this many days are deleted; 0 keeps everything. */
  readonly retentionDays: number;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  readonly onSwept?: (deleted: number, cutoff: Date) => void;
  readonly onError?: (error: unknown) => void;
}

/** Deletes expired request-log records shortly after start and then hourly; every process may run it (the delete is idempotent). */
export function startRequestLogRetention(options: RetentionOptions): RetentionSweep {
  const { store, ...sweep } = options;
  return startRetentionSweep({ ...sweep, deleteOlderThan: (cutoff) => store.deleteOlderThan(cutoff) });
}
