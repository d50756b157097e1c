import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LimitStore } from '../../src/modules/limits/index.ts';

let counter = 0;
const unique = (name: string) => `${name}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const HOUR = 3_600_000;

/** The behaviour every LimitStore adapter must have; each adapter's test runs it. */
export function describeLimitStoreContract(name: string, createStore: () => Promise<LimitStore>): void {
  describe(`LimitStore contract: ${name}`, () => {
    let store: LimitStore;

    beforeEach(async () => {
      store = await createStore();
    });
    afterEach(async () => store.close());

    it('admits exactly the limit within a window, then refuses with a retry time inside the window', async () => {
      const key = unique('rpm');
      const decisions = [];
      for (let index = 0; index < 7; index += 1) decisions.push(await store.consume(key, 1, 5, HOUR));
      expect(decisions.map((decision) => decision.allowed)).toEqual([
        true,
        true,
        true,
        true,
        true,
        false,
        false,
      ]);
      expect(decisions.map((decision) => decision.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
      const refused = decisions[5];
      expect(refused?.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused?.retryAfterSeconds).toBeLessThanOrEqual((2 * HOUR) / 1000);
      // A refusal's reset is its retry-after: one figure (decision 0154).
      expect(refused?.resetSeconds).toBe(refused?.retryAfterSeconds);
    });

    it('counts weighted costs and never admits a cost above the limit', async () => {
      const key = unique('tpm');
      expect((await store.consume(key, 600, 1_000, HOUR)).allowed).toBe(true);
      expect((await store.consume(key, 500, 1_000, HOUR)).allowed).toBe(false);
      expect((await store.consume(key, 400, 1_000, HOUR)).allowed).toBe(true);
      const tooLarge = await store.consume(unique('tpm'), 1_001, 1_000, HOUR);
      expect(tooLarge.allowed).toBe(false);
      expect(tooLarge.retryAfterSeconds).toBe(Number.POSITIVE_INFINITY);
    });

    it('settles an estimate up or down in the window it was counted in', async () => {
      const key = unique('tpm');
      const first = await store.consume(key, 800, 1_000, HOUR);
      await store.adjust(key, first.window, HOUR, -700);
      expect((await store.consume(key, 800, 1_000, HOUR)).allowed).toBe(true);
      await store.adjust(key, first.window, HOUR, 500);
      expect((await store.consume(key, 1, 1_000, HOUR)).allowed).toBe(false);
    });

    it('keeps separate counts per key', async () => {
      const [a, b] = [unique('a'), unique('b')];
      expect((await store.consume(a, 1, 1, HOUR)).allowed).toBe(true);
      expect((await store.consume(a, 1, 1, HOUR)).allowed).toBe(false);
      expect((await store.consume(b, 1, 1, HOUR)).allowed).toBe(true);
    });

    it('holds at most the limit of concurrent slots, frees them on release and when a lease lapses', async () => {
      const key = unique('streams');
      const first = await store.acquire(key, 2, 60_000);
      const second = await store.acquire(key, 2, 60_000);
      const third = await store.acquire(key, 2, 60_000);
      expect([first.acquired, second.acquired, third.acquired]).toEqual([true, true, false]);
      expect(third.active).toBe(2);
      await store.release(key, first.lease ?? '');
      expect((await store.acquire(key, 2, 60_000)).acquired).toBe(true);

      const lapsing = unique('streams');
      const short = await store.acquire(lapsing, 1, 300);
      expect(short.acquired).toBe(true);
      await store.renew(lapsing, short.lease ?? '', 300);
      expect((await store.acquire(lapsing, 1, 300)).acquired).toBe(false);
      await expect
        .poll(async () => (await store.acquire(lapsing, 1, 60_000)).acquired, { timeout: 3_000 })
        .toBe(true);
    });

    it('reserves against a running total only while it fits, and settles deltas', async () => {
      const key = unique('budget');
      expect(await store.reserve(key, 600, 1_000, HOUR)).toEqual({ allowed: true, total: 600 });
      expect(await store.reserve(key, 500, 1_000, HOUR)).toEqual({ allowed: false, total: 600 });
      expect(await store.add(key, 400, HOUR)).toBe(1_000);
      // Exhausted: even a call estimated at zero is refused.
      expect(await store.reserve(key, 0, 1_000, HOUR)).toEqual({ allowed: false, total: 1_000 });
      expect(await store.add(key, -300, HOUR)).toBe(700);
      expect(await store.total(key)).toBe(700);
      expect(await store.total(unique('budget'))).toBe(0);
    });
  });
}
