import { AppError } from '../../platform/errors/index.ts';
import { feedbackErrors } from './feedback.errors.ts';

export function encodeCursor(position: { createdAt: Date; id: string }): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [timestamp, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(timestamp ?? '');
  if (rest.length > 0 || !id || Number.isNaN(createdAt.getTime())) {
    throw new AppError(feedbackErrors.FEEDBACK_CURSOR_INVALID, {
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
