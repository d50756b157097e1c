import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EvalStore } from '../../src/modules/evals/index.ts';

const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second));

export function newDataset(tenantId: string, name: string, second = 0) {
  return {
    id: randomUUID(),
    tenantId,
    name,
    capability: 'classify',
    description: 'd',
    createdAt: at(second),
  };
}

const item = (text: string, expected: unknown = null) => ({
  input: { text },
  expected,
  reference: null,
  metadata: {},
  feedbackId: null,
});

/** The dataset half of EvalStore: versions, items per version, names, tenancy, paging. */
export function describeDatasetStoreContract(name: string, createStore: () => Promise<EvalStore>): void {
  describe(`EvalStore datasets contract: ${name}`, () => {
    let store: EvalStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('creates empty datasets at version 0 and refuses a second one with the same name per tenant', async () => {
      const created = await store.createDataset(newDataset('tenant-a', 'tickets'));
      expect(created).toMatchObject({ version: 0, itemCount: 0, name: 'tickets', capability: 'classify' });
      expect(await store.createDataset(newDataset('tenant-a', 'tickets'))).toBeUndefined();
      expect(await store.createDataset(newDataset('tenant-b', 'tickets'))).toBeDefined();
      expect(await store.getDataset('tenant-a', created?.id ?? '')).toEqual(created);
    });

    it('appends each batch as a new version and lists items as of any version, in order', async () => {
      const dataset = await store.createDataset(newDataset('tenant-a', 'versions'));
      const id = dataset?.id ?? '';
      const first = await store.addItems('tenant-a', id, [item('a', { label: 'x' }), item('b')], at(5));
      expect(first?.dataset).toMatchObject({ version: 1, itemCount: 2 });
      expect(first?.items.map((added) => [added.position, added.version])).toEqual([
        [0, 1],
        [1, 1],
      ]);
      const second = await store.addItems('tenant-a', id, [item('c')], at(6));
      expect(second?.dataset).toMatchObject({ version: 2, itemCount: 3, updatedAt: at(6) });
      const v1 = await store.listItems('tenant-a', id, 1, 0, 100);
      expect(v1.map((entry) => entry.input)).toEqual([{ text: 'a' }, { text: 'b' }]);
      expect(v1[0]?.expected).toEqual({ label: 'x' });
      expect(v1[1]?.expected).toBeNull();
      expect((await store.listItems('tenant-a', id, 2, 1, 1)).map((entry) => entry.input)).toEqual([
        { text: 'b' },
      ]);
      expect(await store.listItems('tenant-a', id, 2, 0, 100)).toHaveLength(3);
      expect(await store.addItems('tenant-a', 'missing', [item('x')], at(7))).toBeUndefined();
    });

    it('never shows or changes another tenant’s dataset', async () => {
      const dataset = await store.createDataset(newDataset('tenant-a', 'private'));
      const id = dataset?.id ?? '';
      expect(await store.getDataset('tenant-b', id)).toBeUndefined();
      expect(await store.addItems('tenant-b', id, [item('x')], at(1))).toBeUndefined();
      expect(await store.listItems('tenant-b', id, 10, 0, 10)).toEqual([]);
      expect(await store.deleteDataset('tenant-b', id)).toBe(false);
      expect((await store.listDatasets('tenant-b', { limit: 10 })).items).toEqual([]);
      expect(await store.deleteDataset('tenant-a', id)).toBe(true);
      expect(await store.getDataset('tenant-a', id)).toBeUndefined();
    });

    it('pages datasets newest first with a cursor, filtered by capability', async () => {
      for (let index = 0; index < 5; index += 1)
        await store.createDataset(newDataset('tenant-p', `d${index}`, index));
      const first = await store.listDatasets('tenant-p', { limit: 2 });
      expect(first.items.map((dataset) => dataset.name)).toEqual(['d4', 'd3']);
      const second = await store.listDatasets('tenant-p', { limit: 2, cursor: first.nextCursor ?? '' });
      const third = await store.listDatasets('tenant-p', { limit: 2, cursor: second.nextCursor ?? '' });
      expect([...second.items, ...third.items].map((dataset) => dataset.name)).toEqual(['d2', 'd1', 'd0']);
      expect(third.nextCursor).toBeNull();
      expect((await store.listDatasets('tenant-p', { limit: 10, capability: 'other' })).items).toEqual([]);
    });
  });
}
