import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestLogStore, RequestRecord } from '../../src/modules/requests/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let counter = 0;

export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  counter += 1;
  return {
    id: `request-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    tenantId: 'tenant-a',
    capability: 'generate',
    outcome: 'succeeded',
    httpStatus: 200,
    errorCode: null,
    models: ['openai-compatible:fake'],
    inputTokens: 12,
    outputTokens: 34,
    latencyMs: 56,
    input: { user_input: 'hello', max_tokens: 10 },
    output: { answer: 'hi', status: 'ok' },
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

/** The behaviour every RequestLogStore adapter must have; each adapter's test runs it. */
export function describeRequestLogStoreContract(
  name: string,
  createStore: () => Promise<RequestLogStore>,
): void {
  describe(`RequestLogStore contract: ${name}`, () => {
    let store: RequestLogStore;

    beforeEach(async () => {
      store = await createStore();
    });

    it('returns an appended record unchanged, JSON values and timestamps included', async () => {
      const record = requestRecord({ input: { nested: { list: [1, 'two', null] } }, output: null });
      await store.append([record]);
      expect(await store.get(record.tenantId, record.id)).toEqual(record);
    });

    it('never shows a record to another tenant', async () => {
      const record = requestRecord();
      await store.append([record]);
      expect(await store.get('tenant-b', record.id)).toBeUndefined();
      expect((await store.list('tenant-b', { limit: 10 })).items).toEqual([]);
    });

    it('ignores a record appended twice (a retried batch)', async () => {
      const record = requestRecord();
      await store.append([record]);
      await store.append([record, requestRecord()]);
      expect((await store.list('tenant-a', { limit: 10 })).items).toHaveLength(2);
    });

    it('lists newest first and pages through every record exactly once, even with equal timestamps', async () => {
      const sameTime = new Date('2026-11-21T11:00:00.000Z');
      const records = [
        requestRecord({ createdAt: new Date('2026-11-21T09:00:00.000Z') }),
        requestRecord({ createdAt: sameTime }),
        requestRecord({ createdAt: sameTime }),
        requestRecord({ createdAt: sameTime }),
        requestRecord({ createdAt: new Date('2026-11-21T12:00:00.000Z') }),
      ];
      await store.append(records);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const result = await store.list('tenant-a', { limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...result.items.map((item) => item.id));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(seen).toHaveLength(records.length);
      expect(new Set(seen).size).toBe(records.length);
      expect(seen[0]).toBe(records[4]?.id);
      expect(seen.at(-1)).toBe(records[0]?.id);
    });

    it('filters by capability', async () => {
      await store.append([
        requestRecord({ capability: 'generate' }),
        requestRecord({ capability: 'summarize' }),
      ]);
      const page = await store.list('tenant-a', { limit: 10, capability: 'summarize' });
      expect(page.items.map((item) => item.capability)).toEqual(['summarize']);
      expect(page.nextCursor).toBeNull();
    });

    it('rejects a cursor it did not issue with REQUEST_LOG_CURSOR_INVALID', async () => {
      await expect(store.list('tenant-a', { limit: 10, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'REQUEST_LOG_CURSOR_INVALID',
      );
    });
  });
}
