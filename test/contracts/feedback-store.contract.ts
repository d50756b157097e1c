import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Feedback, FeedbackStore } from '../../src/modules/feedback/index.ts';

let second = 0;

export function feedback(overrides: Partial<Feedback> = {}): Feedback {
  second += 1;
  return {
    id: randomUUID(),
    tenantId: 'tenant-a',
    requestId: 'request-1',
    capability: 'classify',
    rating: { kind: 'thumbs', value: 'up' },
    label: null,
    comment: null,
    correction: null,
    apiKeyId: 'key_0123',
    createdAt: new Date(Date.UTC(2026, 10, 21, 10, 0, second)),
    ...overrides,
  };
}

/** The behaviour every FeedbackStore adapter must have. */
export function describeFeedbackStoreContract(name: string, createStore: () => Promise<FeedbackStore>): void {
  describe(`FeedbackStore contract: ${name}`, () => {
    let store: FeedbackStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('returns stored feedback unchanged, to its tenant only', async () => {
      const entry = feedback({
        rating: { kind: 'scale', value: 4 },
        label: 'l',
        comment: 'c',
        correction: { label: 'x', list: [1] },
      });
      await store.create(entry);
      expect(await store.get('tenant-a', entry.id)).toEqual(entry);
      expect(await store.get('tenant-b', entry.id)).toBeUndefined();
      expect(await store.getMany('tenant-a', [entry.id, 'missing'])).toEqual([entry]);
      expect(await store.getMany('tenant-b', [entry.id])).toEqual([]);
    });

    it('filters by capability, request, label, rating and correction, newest first, paged', async () => {
      const tenantId = `tenant-${randomUUID()}`;
      const up = feedback({ tenantId, rating: { kind: 'thumbs', value: 'up' } });
      const down = feedback({
        tenantId,
        rating: { kind: 'thumbs', value: 'down' },
        correction: { label: 'y' },
        label: 'wrong',
      });
      const five = feedback({
        tenantId,
        rating: { kind: 'scale', value: 5 },
        requestId: 'request-2',
        capability: 'extract',
      });
      const two = feedback({ tenantId, rating: { kind: 'scale', value: 2 } });
      const none = feedback({ tenantId, rating: null, comment: 'just a note' });
      for (const entry of [up, down, five, two, none]) await store.create(entry);
      const ids = async (query: Parameters<FeedbackStore['list']>[1]) =>
        (await store.list(tenantId, query)).items.map((entry) => entry.id);
      expect(await ids({ limit: 10 })).toEqual([none.id, two.id, five.id, down.id, up.id]);
      expect(await ids({ limit: 10, rating: 'positive' })).toEqual([five.id, up.id]);
      expect(await ids({ limit: 10, rating: 'negative' })).toEqual([two.id, down.id]);
      expect(await ids({ limit: 10, rating: 'down' })).toEqual([down.id]);
      expect(await ids({ limit: 10, hasCorrection: true })).toEqual([down.id]);
      expect(await ids({ limit: 10, hasCorrection: false })).toHaveLength(4);
      expect(await ids({ limit: 10, capability: 'extract' })).toEqual([five.id]);
      expect(await ids({ limit: 10, requestId: 'request-2' })).toEqual([five.id]);
      expect(await ids({ limit: 10, label: 'wrong' })).toEqual([down.id]);
      const page = await store.list(tenantId, { limit: 3 });
      expect(page.items).toHaveLength(3);
      const rest = await store.list(tenantId, { limit: 3, cursor: page.nextCursor ?? '' });
      expect(rest.items.map((entry) => entry.id)).toEqual([down.id, up.id]);
      expect(rest.nextCursor).toBeNull();
      expect((await store.list('tenant-nobody', { limit: 10 })).items).toEqual([]);
    });
  });
}
