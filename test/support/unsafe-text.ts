/**
 * Strings PostgreSQL refuses as they are (U+0000 anywhere; a lone surrogate in `jsonb`), and look-alikes it
 * must store unchanged (the escape written out as text, a well-formed surrogate pair). Issue 17, items 3
 * and 6: every store and every route is tried with each.
 */
export const UNSAFE_TEXT = [
  '\u0000',
  'before\u0000after',
  '\ud800',
  'lone \udfff low',
  'x\ud83dy',
  'end high \udbff',
  '\u0000\ud800\u0000',
] as const;

/** Safe strings that only look unsafe: they must come back exactly as sent. */
export const LOOKALIKE_TEXT = ['literal \\u0000 and \\ud800 as text', 'pair 😀 ok', 'U+FFFD \ufffd'] as const;
