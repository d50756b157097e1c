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

  it('retries a batch the store refuses whole (an outage), then drops it after maxAttempts and says so', async () => {
    const errors: Array<[number, boolean]> = [];
    const stored: number[][] = [];
    const quarantined: number[] = [];
    let down = true;
    let appends = 0;
    const batcher = new WriteBehindBatcher<number>(
      async (records) => {
        appends += 1;
        if (down) throw new Error('database down');
        stored.push([...records]);
      },
      {
        maxAttempts: 2,
        flushIntervalMs: 10_000,
        onError: (_error, count, dropped) => errors.push([count, dropped]),
        onQuarantine: (_error, record) => quarantined.push(record),
      },
    );
    batcher.write(1);
    await batcher.flush(); // attempt 1 fails: kept
    batcher.write(2);
    await batcher.flush(); // attempt 2 fails with [1, 2]: dropped
    batcher.write(3);
    await batcher.flush(); // a fresh batch: attempt 1 fails, kept
    down = false;
    await batcher.flush(); // stored
    expect(errors).toEqual([
      [1, false],
      [2, true],
      [1, false],
    ]);
    expect(stored).toEqual([[3]]);
    // An outage is not mistaken for poisoned records.
    expect(quarantined).toEqual([]);

    // A large batch against a down store: the descent stops after one path, not one query per record.
    down = true;
    appends = 0;
    for (let value = 0; value < 150; value += 1) batcher.write(value);
    await batcher.flush();
    expect(errors.at(-1)).toEqual([150, false]);
    expect(appends).toBeLessThanOrEqual(Math.ceil(Math.log2(150)) + 3);
    expect(quarantined).toEqual([]);
  });
});

const isRecordError = (error: unknown) => (error as { code?: string }).code === '22021';

/** Like a SQL store on text columns: a batch holding a NUL is refused whole. */
function rejectingNulStore() {
  const rows: string[] = [];
  let appends = 0;
  return {
    rows,
    appends: () => appends,
    append: async (records: readonly string[]) => {
      appends += 1;
      if (records.some((record) => record.includes('\u0000'))) {
        throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
      }
      rows.push(...records);
    },
  };
}

describe('WriteBehindBatcher with poisoned records', () => {
  const cases = [
    { name: 'first of many', size: 50, poisoned: [0] },
    { name: 'last of many', size: 50, poisoned: [49] },
    { name: 'in the middle', size: 7, poisoned: [3] },
    { name: 'several', size: 200, poisoned: [5, 6, 99, 150] },
    { name: 'every other', size: 9, poisoned: [0, 2, 4, 6, 8] },
    { name: 'all but one', size: 4, poisoned: [0, 1, 3] },
  ];

  const table = [
    ...cases.map((entry) => ({ ...entry, classified: true })),
    // Without an error classification, a stored part of the batch is what proves the store is up.
    ...cases.slice(0, 4).map((entry) => ({ ...entry, classified: false })),
  ];
  it.each(table)(
    'stores every good record and quarantines only the poisoned ($name, classified: $classified)',
    async ({ size, poisoned, classified }) => {
      const store = rejectingNulStore();
      const errors: unknown[] = [];
      const quarantined: Array<[string, boolean]> = [];
      const batcher = new WriteBehindBatcher<string>(store.append, {
        maxBatch: 1_000,
        flushIntervalMs: 10_000,
        ...(classified ? { isRecordError } : {}),
        onError: (error) => errors.push(error),
        onQuarantine: (_error, record, salvaged) => quarantined.push([record, salvaged]),
      });
      const records = Array.from({ length: size }, (_, index) =>
        poisoned.includes(index) ? `row ${index} \u0000` : `row ${index}`,
      );
      for (const record of records) batcher.write(record);
      await batcher.close();
      expect(store.rows.toSorted()).toEqual(
        records.filter((record) => !record.includes('\u0000')).toSorted(),
      );
      expect(quarantined.map(([record]) => record).toSorted()).toEqual(
        poisoned.map((index) => `row ${index} \u0000`).toSorted(),
      );
      expect(errors).toEqual([]);
      // Nothing left to retry: a later flush writes nothing again.
      const appends = store.appends();
      await batcher.flush();
      expect(store.appends()).toBe(appends);
    },
  );

  it('stores the salvaged form of a poisoned record once, and reports it', async () => {
    const store = rejectingNulStore();
    const quarantined: Array<[string, boolean]> = [];
    const batcher = new WriteBehindBatcher<string>(store.append, {
      flushIntervalMs: 10_000,
      isRecordError,
      salvage: (record) => record.replaceAll('\u0000', ''),
      onQuarantine: (_error, record, salvaged) => quarantined.push([record, salvaged]),
    });
    for (const record of ['a', 'b\u0000', 'c']) batcher.write(record);
    await batcher.close();
    expect(store.rows.toSorted()).toEqual(['a', 'b', 'c']);
    expect(quarantined).toEqual([['b\u0000', true]]);
    // Alone in its batch, a record the store refuses for its content is quarantined at once, not retried.
    batcher.write('d\u0000');
    await batcher.flush();
    expect(store.rows.toSorted()).toEqual(['a', 'b', 'c', 'd']);
    expect(quarantined).toEqual([
      ['b\u0000', true],
      ['d\u0000', true],
    ]);
  });
});
