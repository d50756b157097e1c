import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJobType, type JobQueue, type QueueTransaction } from '../../src/platform/jobs/index.ts';

export interface QueueHarness {
  readonly queue: JobQueue;
  /** Runs `work` in one transaction of the adapter's store; a throw rolls back what it sent or took. */
  transaction<T>(work: (transaction: QueueTransaction | undefined) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

let counter = 0;
/** A fresh queue name per test, so tests never see each other's deliveries. */
function freshType() {
  counter += 1;
  return defineJobType(`contract.item${counter}-run`, z.object({ n: z.number().int() }));
}

/** The behaviour every JobQueue adapter must have; each adapter's test runs it. */
export function describeJobQueueContract(
  name: string,
  open: (types: ReturnType<typeof freshType>[]) => Promise<QueueHarness>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    const types = Array.from({ length: 24 }, freshType);
    let harness: QueueHarness;
    beforeAll(async () => {
      harness = await open(types);
    });
    afterAll(async () => harness?.close());
    let next = 0;
    const type = () => {
      const chosen = types[next++];
      if (!chosen) throw new Error('the contract needs more queue types');
      return chosen;
    };

    // Order is not promised: a batch shares one creation time, and PGlite's clock is coarse.
    it('delivers what was sent exactly once, at most `limit` per take', async () => {
      const queue = type();
      const ids = await harness.queue.send(queue, [
        { payload: { n: 1 } },
        { payload: { n: 2 } },
        { payload: { n: 3 } },
      ]);
      expect(new Set(ids).size).toBe(3);
      const first = await harness.transaction((tx) => harness.queue.take(queue, 2, tx));
      expect(first.deliveries).toHaveLength(2);
      const second = await harness.transaction((tx) => harness.queue.take(queue, 10, tx));
      const all = [...first.deliveries, ...second.deliveries];
      expect(all.map((delivery) => delivery.payload.n).sort()).toEqual([1, 2, 3]);
      expect(all.map((delivery) => delivery.id).sort()).toEqual([...ids].sort());
      expect((await harness.transaction((tx) => harness.queue.take(queue, 10, tx))).deliveries).toEqual([]);
    });

    it('uses a delivery id chosen by the caller', async () => {
      const queue = type();
      const id = '6f1c2a1e-2b7d-4c1a-9f3e-1d2c3b4a5e6f';
      expect(await harness.queue.send(queue, [{ id, payload: { n: 1 } }])).toEqual([id]);
      const taken = await harness.transaction((tx) => harness.queue.take(queue, 10, tx));
      expect(taken.deliveries.map((delivery) => delivery.id)).toEqual([id]);
    });

    it('refuses a payload that breaks the schema at send', async () => {
      const queue = type();
      await expect(
        harness.queue.send(queue, [{ payload: { n: 'one' as unknown as number } }]),
      ).rejects.toThrow();
      expect(await harness.queue.depth(queue)).toBe(0);
    });

    it('holds a delivery back until its start time', async () => {
      const queue = type();
      await harness.queue.send(queue, [
        { payload: { n: 1 }, options: { startAfter: new Date(Date.now() + 3_600_000) } },
        { payload: { n: 2 }, options: { startAfter: new Date(Date.now() - 1_000) } },
      ]);
      const taken = await harness.transaction((tx) => harness.queue.take(queue, 10, tx));
      expect(taken.deliveries.map((delivery) => delivery.payload.n)).toEqual([2]);
      expect(await harness.queue.depth(queue)).toBe(1);
    });

    it('never delivers a send whose transaction rolled back', async () => {
      const queue = type();
      await expect(
        harness.transaction(async (tx) => {
          await harness.queue.send(queue, [{ payload: { n: 1 } }], tx);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await harness.queue.depth(queue)).toBe(0);
      expect((await harness.transaction((tx) => harness.queue.take(queue, 10, tx))).deliveries).toEqual([]);
    });

    it('hands deliveries back when the taking transaction rolls back', async () => {
      const queue = type();
      await harness.queue.send(queue, [{ payload: { n: 7 } }]);
      await expect(
        harness.transaction(async (tx) => {
          const taken = await harness.queue.take(queue, 10, tx);
          expect(taken.deliveries).toHaveLength(1);
          throw new Error('worker crashed before commit');
        }),
      ).rejects.toThrow('worker crashed');
      const again = await harness.transaction((tx) => harness.queue.take(queue, 10, tx));
      expect(again.deliveries.map((delivery) => delivery.payload.n)).toEqual([7]);
    });

    it('gives concurrent takers disjoint deliveries and loses none', async () => {
      const queue = type();
      const count = 60;
      await harness.queue.send(
        queue,
        Array.from({ length: count }, (_, n) => ({ payload: { n } })),
      );
      const takers = Array.from({ length: 4 }, async () => {
        const seen: number[] = [];
        for (;;) {
          const taken = await harness.transaction((tx) => harness.queue.take(queue, 7, tx));
          if (taken.deliveries.length === 0) return seen;
          seen.push(...taken.deliveries.map((delivery) => delivery.payload.n));
        }
      });
      const all = (await Promise.all(takers)).flat();
      expect(all).toHaveLength(count);
      expect(new Set(all).size).toBe(count);
    });

    it('rejects (and removes) a delivery whose payload no longer matches the schema', async () => {
      const queue = type();
      const stricter = defineJobType(queue.name, z.object({ n: z.number().int(), extra: z.string() }));
      await harness.queue.send(queue, [{ payload: { n: 1 } }]);
      const taken = await harness.transaction((tx) => harness.queue.take(stricter, 10, tx));
      expect(taken.deliveries).toEqual([]);
      expect(taken.rejected).toHaveLength(1);
      expect(await harness.queue.depth(queue)).toBe(0);
    });

    it('withdraws a delivery that was removed before anyone took it', async () => {
      const queue = type();
      const [keep, drop] = await harness.queue.send(queue, [{ payload: { n: 1 } }, { payload: { n: 2 } }]);
      await harness.transaction((tx) =>
        harness.queue.remove(queue, [drop ?? '', '00000000-0000-4000-8000-000000000000'], tx),
      );
      const taken = await harness.transaction((tx) => harness.queue.take(queue, 10, tx));
      expect(taken.deliveries.map((delivery) => delivery.id)).toEqual([keep]);
    });

    it('keeps every delivery through its housekeeping', async () => {
      const queue = type();
      await harness.queue.send(queue, [{ payload: { n: 1 } }, { payload: { n: 2 } }]);
      await harness.queue.maintain();
      expect(await harness.queue.depth(queue)).toBe(2);
    });

    it('sends a batch inside a transaction with the rows it refers to', async () => {
      const queue = type();
      const ids = await harness.transaction((tx) =>
        harness.queue.send(queue, [{ payload: { n: 1 } }, { payload: { n: 2 } }], tx),
      );
      expect(ids).toHaveLength(2);
      expect(await harness.queue.depth(queue)).toBe(2);
    });
  });
}
