/** What a listing asks for: at most `limit` items, after the position a previous page's cursor names. */
export interface PageQuery {
  readonly limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string | undefined;
}

/** One page of a listing, and the cursor of the next one (`null` on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}
