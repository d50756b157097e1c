import { AppError, type ErrorDefinition } from '../errors/index.ts';

/** Where a newest-first page continues: the last item's creation time and its tie-breaking key. */
export interface KeysetPosition {
  readonly createdAt: Date;
  /** An id or an insertion sequence: whatever breaks ties between equal times. */
  readonly key: string;
}

export interface KeysetCursorOptions {
  /** The module's "not a cursor of this endpoint" error (400, with a `/query/cursor` field error). */
  readonly invalid: ErrorDefinition;
  /** What a valid key looks like (default: any non-empty text without `|`). */
  readonly key?: RegExp;
  /** A prefix telling this endpoint's cursors from others'. */
  readonly tag?: string;
}

export interface KeysetCursor {
  encode(position: KeysetPosition): string;
  /** Throws `invalid` for anything `encode` did not produce. */
  decode(cursor: string): KeysetPosition;
}

/**
 * The opaque cursor of keyset pagination (newest first, `(created_at, key) < (…)`): base64url of
 * `[tag|]<ISO time>|<key>`. Each listing module keeps its own error code and key shape.
 */
export function keysetCursor(options: KeysetCursorOptions): KeysetCursor {
  const prefix = options.tag === undefined ? [] : [options.tag];
  const invalid = () =>
    new AppError(options.invalid, {
      errors: [
        {
          pointer: '/query/cursor',
          message: 'not a cursor returned by this endpoint',
          code: 'invalid_cursor',
        },
      ],
    });
  return {
    encode: (position) =>
      Buffer.from([...prefix, position.createdAt.toISOString(), position.key].join('|')).toString(
        'base64url',
      ),
    decode(cursor) {
      const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
      if (options.tag !== undefined && parts.shift() !== options.tag) throw invalid();
      const [timestamp, key, ...rest] = parts;
      const createdAt = new Date(timestamp ?? '');
      if (
        rest.length > 0 ||
        !key ||
        (options.key !== undefined && !options.key.test(key)) ||
        Number.isNaN(createdAt.getTime())
      ) {
        throw invalid();
      }
      return { createdAt, key };
    },
  };
}

/**
 * A page from rows in page order, fetched with one more than `limit` (or all of them): the first `limit`
 * presented, and the cursor after the last of them when more follow.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  present: (row: Row) => Item,
  cursorAfter: (row: Row) => string,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: rows.length > limit && last !== undefined ? cursorAfter(last) : null,
  };
}
