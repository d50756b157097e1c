import { AppError } from '../../platform/errors/index.ts';
import { jobErrors } from './jobs.errors.ts';

/** Position after which a page continues: newest first, ties broken by insertion order. */
export interface JobCursor {
  readonly createdAt: Date;
  readonly sequence: string;
}

export function encodeJobCursor(position: JobCursor): string {
  return Buffer.from(`j|${position.createdAt.toISOString()}|${position.sequence}`).toString('base64url');
}

export function decodeJobCursor(cursor: string): JobCursor {
  const [tag, timestamp, sequence, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(timestamp ?? '');
  if (
    tag !== 'j' ||
    rest.length > 0 ||
    !sequence ||
    !/^\d+$/.test(sequence) ||
    Number.isNaN(createdAt.getTime())
  ) {
    throw new AppError(jobErrors.JOB_CURSOR_INVALID, {
      errors: [
        {
          pointer: '/query/cursor',
          message: 'not a cursor returned by this endpoint',
          code: 'invalid_cursor',
        },
      ],
    });
  }
  return { createdAt, sequence };
}
