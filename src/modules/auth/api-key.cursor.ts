import { AppError } from '../../platform/errors/index.ts';
import { authErrors } from './auth.errors.ts';

/** Position after which a page of keys continues: newest first, ties broken by id. */
export interface KeyCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeKeyCursor(cursor: KeyCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeKeyCursor(cursor: string): KeyCursor {
  const [timestamp, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(timestamp ?? '');
  if (rest.length > 0 || !id || !/^key_[0-9a-f]{16}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new AppError(authErrors.AUTH_KEY_LIST_CURSOR_INVALID, {
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

/** Newest first, then by id descending: the order both adapters page in. */
export function isAfter(record: KeyCursor, cursor: KeyCursor): boolean {
  const time = record.createdAt.getTime();
  const at = cursor.createdAt.getTime();
  return time < at || (time === at && record.id < cursor.id);
}
