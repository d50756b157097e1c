import { keysetCursor } from '../../platform/pagination/index.ts';
import { authErrors } from './auth.errors.ts';

/** Position after which a page of keys continues: newest first, ties broken by id. */
export interface KeyCursor {
  readonly createdAt: Date;
  readonly id: string;
}

const cursor = keysetCursor({ invalid: authErrors.AUTH_KEY_LIST_CURSOR_INVALID, key: /^key_[0-9a-f]{16}$/ });

export function encodeKeyCursor(position: KeyCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.id });
}

export function decodeKeyCursor(text: string): KeyCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, id: key };
}

/** Newest first, then by id descending: the order both adapters page in. */
export function isAfter(record: KeyCursor, cursor: KeyCursor): boolean {
  const time = record.createdAt.getTime();
  const at = cursor.createdAt.getTime();
  return time < at || (time === at && record.id < cursor.id);
}
