import { keysetCursor } from '../../platform/pagination/index.ts';
import { jobErrors } from './jobs.errors.ts';

/** Position after which a page continues: newest first, ties broken by insertion order. */
export interface JobCursor {
  readonly createdAt: Date;
  readonly sequence: string;
}

const cursor = keysetCursor({ invalid: jobErrors.JOB_CURSOR_INVALID, key: /^\d+$/, tag: 'j' });

export function encodeJobCursor(position: JobCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.sequence });
}

export function decodeJobCursor(text: string): JobCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, sequence: key };
}
