import { beforeEach, describe, expect, it } from 'vitest';
import type { ModelCallRecord, ModelCallStore } from '../../src/modules/gateway/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let counter = 0;

export function modelCall(overrides: Partial<ModelCallRecord> = {}): ModelCallRecord {
  counter += 1;
  return {
    id: `call-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    requestId: 'request-1',
    tenantId: 'tenant-a',
    source: 'capability:generate',
    operation: 'generate',
    route: 'default',
    deployment: 'openai:gpt-4o-mini',
    provider: 'openai',
    model: 'gpt-4o-mini',
    outcome: 'succeeded',
    errorCode: null,
    inputTokens: 12,
    outputTokens: 34,
    tokensEstimated: false,
    latencyMs: 56.25,
    timeToFirstTokenMs: null,
    attempts: 2,
    retries: 1,
    fallbacks: 0,
    cacheHit: false,
    costUsd: 0.000123,
    repair: 0,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

/** The behaviour every ModelCallStore adapter must have; each adapter's test runs it. */
export function describeModelCallStoreContract(
  name: string,
  createStore: () => Promise<ModelCallStore>,
): void {
  describe(`ModelCallStore contract: ${name}`, () => {
    let store: ModelCallStore;

    beforeEach(async () => {
      store = await createStore();
    });

    it('returns an appended call unchanged, nulls and fractions included', async () => {
      const streamed = modelCall({
        operation: 'stream',
        timeToFirstTokenMs: 12.5,
        costUsd: null,
        deployment: null,
      });
      const failed = modelCall({
        outcome: 'failed',
        errorCode: 'GATEWAY_UPSTREAM_ERROR',
        cacheHit: true,
        repair: 2,
      });
      await store.append([streamed, failed]);
      const page = await store.list('tenant-a', { limit: 10 });
      expect(page.items).toEqual(expect.arrayContaining([streamed, failed]));
      expect(page.items).toHaveLength(2);
    });

    it('filters by request id and never shows a call to another tenant', async () => {
      const mine = modelCall({ requestId: 'r-1' });
      await store.append([
        mine,
        modelCall({ requestId: 'r-2' }),
        modelCall({ requestId: 'r-1', tenantId: 'tenant-b' }),
      ]);
      expect((await store.list('tenant-a', { requestId: 'r-1', limit: 10 })).items).toEqual([mine]);
      expect((await store.list('tenant-c', { limit: 10 })).items).toEqual([]);
    });

    it('ignores a call appended twice (a retried batch)', async () => {
      const call = modelCall();
      await store.append([call]);
      await store.append([call, modelCall()]);
      expect((await store.list('tenant-a', { limit: 10 })).items).toHaveLength(2);
    });

    it('lists newest first and pages through every call exactly once, even with equal timestamps', async () => {
      const sameTime = new Date('2026-11-21T11:00:00.000Z');
      const calls = [
        ...Array.from({ length: 5 }, () => modelCall({ createdAt: sameTime })),
        modelCall({ createdAt: new Date('2026-11-21T12:00:00.000Z') }),
        modelCall({ createdAt: new Date('2026-11-21T09:00:00.000Z') }),
      ];
      await store.append(calls);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list('tenant-a', { limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(seen).size).toBe(calls.length);
      expect(seen[0]).toBe(calls[5]?.id);
      expect(seen.at(-1)).toBe(calls[6]?.id);
    });

    it('rejects a cursor it did not issue with GATEWAY_CURSOR_INVALID', async () => {
      const error = await store
        .list('tenant-a', { limit: 2, cursor: 'bm90LWEtY3Vyc29y' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('GATEWAY_CURSOR_INVALID');
    });
  });
}
