import { keysetCursor } from '../../platform/pagination/index.ts';
import { feedbackErrors } from './feedback.errors.ts';

const cursor = keysetCursor({ invalid: feedbackErrors.FEEDBACK_CURSOR_INVALID });

export function encodeCursor(position: { createdAt: Date; id: string }): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.id });
}

export function decodeCursor(text: string): { createdAt: Date; id: string } {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, id: key };
}
