import { AppError } from '../../platform/errors/index.ts';
import { conversationErrors } from './conversations.errors.ts';

/** Where a newest-first page of conversations continues: creation time, ties broken by insertion order. */
export interface CursorPosition {
  readonly createdAt: Date;
  readonly sequence: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.sequence}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const [timestamp, sequence, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(timestamp ?? '');
  if (rest.length > 0 || !sequence || !/^\d+$/.test(sequence) || Number.isNaN(createdAt.getTime())) {
    throw new AppError(conversationErrors.CONVERSATIONS_LIST_CURSOR_INVALID, {
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
