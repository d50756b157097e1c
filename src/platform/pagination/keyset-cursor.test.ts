import { describe, expect, it } from 'vitest';
import { defineErrors } from '../errors/index.ts';
import { keysetCursor, pageOf } from './keyset-cursor.ts';

const errors = defineErrors({
  TEST_CURSOR_INVALID: {
    status: 400,
    title: 'Not a cursor',
    category: 'user',
    retryable: false,
    description: 'test',
  },
});

describe('keyset cursors', () => {
  const at = new Date('2026-11-21T10:00:00.123Z');

  it('round-trips a position, and stays the format stored clients already hold', () => {
    const codec = keysetCursor({ invalid: errors.TEST_CURSOR_INVALID, key: /^\d+$/ });
    const cursor = codec.encode({ createdAt: at, key: '42' });
    expect(Buffer.from(cursor, 'base64url').toString()).toBe('2026-11-21T10:00:00.123Z|42');
    expect(codec.decode(cursor)).toEqual({ createdAt: at, key: '42' });
    const tagged = keysetCursor({ invalid: errors.TEST_CURSOR_INVALID, tag: 'j' });
    expect(Buffer.from(tagged.encode({ createdAt: at, key: 'x' }), 'base64url').toString()).toBe(
      'j|2026-11-21T10:00:00.123Z|x',
    );
    expect(tagged.decode(tagged.encode({ createdAt: at, key: 'x' }))).toEqual({ createdAt: at, key: 'x' });
  });

  it("refuses anything it did not write with the endpoint's own error and a field error", () => {
    const codec = keysetCursor({ invalid: errors.TEST_CURSOR_INVALID, key: /^\d+$/ });
    const tagged = keysetCursor({ invalid: errors.TEST_CURSOR_INVALID, tag: 'j' });
    const foreign = [
      'garbage',
      Buffer.from('not-a-date|1').toString('base64url'),
      Buffer.from('2026-11-21T10:00:00.000Z|abc').toString('base64url'),
      Buffer.from('2026-11-21T10:00:00.000Z|1|2').toString('base64url'),
      Buffer.from('2026-11-21T10:00:00.000Z|').toString('base64url'),
    ];
    for (const cursor of foreign) {
      expect(() => codec.decode(cursor)).toThrowError(
        expect.objectContaining({
          code: 'TEST_CURSOR_INVALID',
          errors: [expect.objectContaining({ pointer: '/query/cursor' })],
        }),
      );
    }
    expect(() => tagged.decode(codec.encode({ createdAt: at, key: '1' }))).toThrow();
  });

  it('cuts a page from rows fetched one past the limit, with a cursor only when more follow', () => {
    const label = (row: number) => `#${row}`;
    const after = (row: number) => `after ${row}`;
    expect(pageOf([1, 2, 3], 2, label, after)).toEqual({ items: ['#1', '#2'], nextCursor: 'after 2' });
    expect(pageOf([1, 2], 2, label, after)).toEqual({ items: ['#1', '#2'], nextCursor: null });
    expect(pageOf([], 2, label, after)).toEqual({ items: [], nextCursor: null });
  });
});
