// Retention without domain rules: a periodic, idempotent sweep of records older than a number of days.
export { type RetentionSweep, type RetentionSweepOptions, startRetentionSweep } from './retention-sweep.ts';
