import { describe, expect, it } from 'vitest';
import { describeLimitStoreContract } from '../../../test/contracts/limit-store.contract.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

describeLimitStoreContract('in memory', async () => new MemoryLimitStore());

describe('MemoryLimitStore windows', () => {
  it('slides: the previous window weighs in proportion to its overlap, then is forgotten', async () => {
    let now = 60_000 * 1_000;
    const store = new MemoryLimitStore({ now: () => now });
    for (let index = 0; index < 10; index += 1)
      expect((await store.consume('k', 1, 10, 60_000)).allowed).toBe(true);
    expect((await store.consume('k', 1, 10, 60_000)).allowed).toBe(false);
    // A quarter into the next window, 75% of the previous 10 still counts: 2 more fit, not 3.
    now += 75_000;
    expect((await store.consume('k', 1, 10, 60_000)).allowed).toBe(true);
    expect((await store.consume('k', 1, 10, 60_000)).allowed).toBe(true);
    expect((await store.consume('k', 1, 10, 60_000)).allowed).toBe(false);
    // Two windows on, nothing is left.
    now += 120_000;
    expect((await store.consume('k', 10, 10, 60_000)).allowed).toBe(true);
  });

  it('expires running totals after their time to live', async () => {
    let now = 0;
    const store = new MemoryLimitStore({ now: () => now });
    await store.add('budget', 5, 1_000);
    now = 999;
    expect(await store.total('budget')).toBe(5);
    now = 1_000;
    expect(await store.total('budget')).toBe(0);
  });
});
