import type { Migration } from 'kysely/migration';
import * as requestLog from './0001-request-log.ts';

/** Every migration in order. Names are permanent: never rename or reorder an applied one. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-request-log': requestLog,
};
