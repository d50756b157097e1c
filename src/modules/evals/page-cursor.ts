import { AppError } from '../../platform/errors/index.ts';
import { evalErrors } from './evals.errors.ts';

/** Keyset position of a newest-first page: (createdAt, id). */
export interface CursorPosition {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const [timestamp, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(timestamp ?? '');
  if (rest.length > 0 || !id || Number.isNaN(createdAt.getTime())) {
    throw new AppError(evalErrors.EVAL_CURSOR_INVALID, {
      errors: [
        {
          pointer: '/query/cursor',
          message: 'not a cursor returned by this endpoint',
          code: 'invalid_cursor',
        },
      ],
    });
  }
  return { createdAt, id };
}

/** Newest first, ties by id descending: the order every list here uses. */
export function newestFirst(a: CursorPosition, b: CursorPosition): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Pages a list already in newest-first order. */
export function pageOf<T extends CursorPosition>(
  sorted: readonly T[],
  limit: number,
  cursor: string | undefined,
) {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const rest = after === undefined ? sorted : sorted.filter((item) => newestFirst(after, item) < 0);
  const items = rest.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rest.length > limit && last ? encodeCursor(last) : null };
}
