import { keysetCursor } from '../../platform/pagination/index.ts';
import { requestLogErrors } from './request-log.errors.ts';

/** Position after which a page continues: newest first, ties broken by insertion order. */
export interface RequestLogCursor {
  readonly createdAt: Date;
  readonly sequence: string;
}

const cursor = keysetCursor({ invalid: requestLogErrors.REQUEST_LOG_CURSOR_INVALID, key: /^\d+$/ });

export function encodeCursor(position: RequestLogCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.sequence });
}

export function decodeCursor(text: string): RequestLogCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, sequence: key };
}
