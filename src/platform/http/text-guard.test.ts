import { describe, expect, it } from 'vitest';
import { unsafeTextFields } from './text-guard.ts';

describe('unsafeTextFields', () => {
  it('points at every unsafe value and key, with JSON Pointer escapes', () => {
    const body = {
      ok: 'fine',
      'a/b': { 'c~d': ['x', 'bad\u0000'] },
      'key\ud800': 'value',
      deep: [[[{ last: '\udfff' }]]],
    };
    const found = unsafeTextFields({ body, query: { q: 'n\u0000' }, params: { id: 'ok' } });
    expect(found).toHaveLength(4);
    expect(found).toEqual(
      expect.arrayContaining([
        { pointer: '/body/a~1b/c~0d/1', message: expect.stringContaining('value'), code: 'unsafe_text' },
        { pointer: '/body/key\ufffd', message: expect.stringContaining('key'), code: 'unsafe_text' },
        { pointer: '/body/deep/0/0/0/last', message: expect.any(String), code: 'unsafe_text' },
        { pointer: '/query/q', message: expect.any(String), code: 'unsafe_text' },
      ]),
    );
  });

  it('accepts well-formed text, surrogate pairs and the escape written out as text', () => {
    const body = { emoji: '😀', literal: '\\u0000 \\ud800', replacement: '\ufffd', list: [1, null, true] };
    expect(unsafeTextFields({ body, query: {}, params: {} })).toEqual([]);
  });

  it('walks a body nested far deeper than the stack allows recursion, and stops at ten findings', () => {
    let deep: unknown = 'bottom\u0000';
    for (let level = 0; level < 200_000; level += 1) deep = [deep];
    expect(unsafeTextFields({ body: deep, query: {}, params: {} })).toHaveLength(1);
    const many = Array.from({ length: 50 }, () => '\u0000');
    expect(unsafeTextFields({ body: many, query: {}, params: {} })).toHaveLength(10);
  });
});
