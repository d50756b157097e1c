// Pagination helpers without domain rules: the opaque keyset cursor every newest-first listing uses, and
// the page cut from rows fetched one past the limit.
export {
  type KeysetCursor,
  type KeysetCursorOptions,
  type KeysetPosition,
  keysetCursor,
  pageOf,
} from './keyset-cursor.ts';
export type { Page, PageQuery } from './page.ts';
