import { beforeEach, describe, expect, it } from 'vitest';
import type { ResponseCacheStore } from '../../src/modules/gateway/index.ts';

/** The behaviour every ResponseCacheStore adapter must have; each adapter's test runs it. */
export function describeResponseCacheContract(
  name: string,
  createStore: () => Promise<ResponseCacheStore>,
): void {
  describe(`ResponseCacheStore contract: ${name}`, () => {
    let store: ResponseCacheStore;
    const key = () => `key-${Math.random().toString(36).slice(2)}`;

    beforeEach(async () => {
      store = await createStore();
    });

    it('returns what was set, until it expires', async () => {
      const short = key();
      const long = key();
      await store.set(short, '{"a":1}', 30);
      await store.set(long, '{"b":"ünïcode ✓"}', 60_000);
      expect(await store.get(short)).toBe('{"a":1}');
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await store.get(short)).toBeUndefined();
      expect(await store.get(long)).toBe('{"b":"ünïcode ✓"}');
    });

    it('answers a miss for a key never set, and replaces on a second set', async () => {
      const entry = key();
      expect(await store.get(entry)).toBeUndefined();
      await store.set(entry, 'one', 60_000);
      await store.set(entry, 'two', 60_000);
      expect(await store.get(entry)).toBe('two');
    });
  });
}
