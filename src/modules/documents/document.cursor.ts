import { keysetCursor } from '../../platform/pagination/index.ts';
import { documentErrors } from './documents.errors.ts';

/** Where a newest-first page continues: creation time, ties broken by insertion order. */
export interface DocumentCursor {
  readonly createdAt: Date;
  readonly sequence: string;
}

const cursor = keysetCursor({ invalid: documentErrors.DOCUMENTS_LIST_CURSOR_INVALID, key: /^\d+$/ });

export function encodeCursor(position: DocumentCursor): string {
  return cursor.encode({ createdAt: position.createdAt, key: position.sequence });
}

export function decodeCursor(text: string): DocumentCursor {
  const { createdAt, key } = cursor.decode(text);
  return { createdAt, sequence: key };
}
