import { describe, expect, it } from 'vitest';
import { WriteBehindBatcher } from './write-behind-batcher.ts';

describe('WriteBehindBatcher', () => {
  it("writes nothing on the caller's path and one batch per flush, in order", async () => {
    const batches: number[][] = [];
    const batcher = new WriteBehindBatcher<number>(async (records) => {
      batches.push([...records]);
    });
    batcher.write(1);
    batcher.write(2);
    expect(batches).toEqual([]);
    await batcher.flush();
    batcher.write(3);
    await batcher.close();
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('flushes on its own when a batch is full, and after the interval otherwise', async () => {
    const batches: number[][] = [];
    const batcher = new WriteBehindBatcher<number>(
      async (records) => {
        batches.push([...records]);
      },
      { maxBatch: 3, flushIntervalMs: 20 },
    );
    const { write } = batcher; // bound: usable as an observer callback
    for (const value of [1, 2, 3]) write(value);
    await expect.poll(() => batches).toEqual([[1, 2, 3]]);
    write(4);
    await expect.poll(() => batches).toEqual([[1, 2, 3], [4]]);
  });

  it('retries a failed batch with what arrived since, then drops it after maxAttempts and says so', async () => {
    const errors: Array<[number, boolean]> = [];
    const stored: number[][] = [];
    let failures = 3;
    const batcher = new WriteBehindBatcher<number>(
      async (records) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('database down');
        }
        stored.push([...records]);
      },
      {
        maxAttempts: 2,
        flushIntervalMs: 10_000,
        onError: (_error, count, dropped) => errors.push([count, dropped]),
      },
    );
    batcher.write(1);
    await batcher.flush(); // attempt 1 fails: kept
    batcher.write(2);
    await batcher.flush(); // attempt 2 fails with [1, 2]: dropped
    batcher.write(3);
    await batcher.flush(); // a fresh batch: attempt 1 fails, kept
    await batcher.flush(); // stored
    expect(errors).toEqual([
      [1, false],
      [2, true],
      [1, false],
    ]);
    expect(stored).toEqual([[3]]);
  });
});
