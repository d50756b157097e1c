import { AppError } from '../../../platform/errors/index.ts';
import { gatewayErrors } from '../gateway.errors.ts';

export interface ModelCallCursor {
  readonly createdAt: Date;
  /** Tie-breaker when timestamps collide: the store's sequence (SQL) or insertion index (memory). */
  readonly sequence: string;
}

export function encodeCursor(cursor: ModelCallCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.sequence}`).toString('base64url');
}

export function decodeCursor(text: string): ModelCallCursor {
  const [iso, sequence] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (Number.isNaN(createdAt.getTime()) || !sequence || !/^\d+$/.test(sequence)) {
    throw new AppError(gatewayErrors.GATEWAY_CURSOR_INVALID, {
      detail: 'The cursor is not one this API returned.',
    });
  }
  return { createdAt, sequence };
}
