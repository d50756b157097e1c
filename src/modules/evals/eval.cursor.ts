import { pageOf as cutPage, keysetCursor } from '../../platform/pagination/index.ts';
import { evalErrors } from './evals.errors.ts';

/** Keyset position of a newest-first page: (createdAt, id). */
export interface EvalCursor {
  readonly createdAt: Date;
  readonly id: string;
}

const cursor = keysetCursor({ invalid: evalErrors.EVAL_CURSOR_INVALID });

export function encodeCursor(position: EvalCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.id });
}

export function decodeCursor(text: string): EvalCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, id: key };
}

/** Newest first, ties by id descending: the order every list here uses. */
export function newestFirst(a: EvalCursor, b: EvalCursor): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Pages a list already in newest-first order. */
export function pageOf<T extends EvalCursor>(
  sorted: readonly T[],
  limit: number,
  cursor: string | undefined,
) {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const rest = after === undefined ? sorted : sorted.filter((item) => newestFirst(after, item) < 0);
  return cutPage(rest, limit, (item) => item, encodeCursor);
}
