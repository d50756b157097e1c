import { keysetCursor } from '../../platform/pagination/index.ts';
import { conversationErrors } from './conversations.errors.ts';

/** Where a newest-first page of conversations continues: creation time, ties broken by insertion order. */
export interface ConversationCursor {
  readonly createdAt: Date;
  readonly sequence: string;
}

const cursor = keysetCursor({ invalid: conversationErrors.CONVERSATIONS_LIST_CURSOR_INVALID, key: /^\d+$/ });

export function encodeCursor(position: ConversationCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.sequence });
}

export function decodeCursor(text: string): ConversationCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, sequence: key };
}
