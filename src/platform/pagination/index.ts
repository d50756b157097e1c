// Pagination helpers without domain rules: the opaque keyset cursor every newest-first listing uses.
export {
  type KeysetCursor,
  type KeysetCursorOptions,
  type KeysetPosition,
  keysetCursor,
} from './keyset-cursor.ts';
