import { beforeEach, describe, expect, it } from 'vitest';
import type { ModelCallRecord, ModelCallStore } from '../../src/modules/gateway/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';
import { safeJson } from '../../src/platform/text/index.ts';
import { LOOKALIKE_TEXT, UNSAFE_TEXT } from '../support/unsafe-text.ts';

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
    subject: 'key_0123456789abcdef',
    variant: 'summarize@3',
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

    it('stores every call of a batch holding NUL and lone surrogates, as sent or made safe', async () => {
      // Issue 17, item 3: route and model names come from clients (an OpenAI client's `model`).
      const texts = [...UNSAFE_TEXT, ...LOOKALIKE_TEXT];
      const calls = [
        modelCall(),
        ...texts.map((text) =>
          modelCall({ route: text, model: text, errorCode: text, source: `openai:${text}`, subject: text }),
        ),
        modelCall(),
      ];
      await store.append(calls);
      const stored = (await store.list('tenant-a', { limit: 100 })).items;
      expect(stored).toHaveLength(calls.length);
      for (const call of calls) {
        const found = stored.find((candidate) => candidate.id === call.id);
        expect([call, safeJson(call)], call.route).toContainEqual(found);
      }
      for (const text of LOOKALIKE_TEXT) {
        expect(stored.find((candidate) => candidate.route === text)).toEqual(
          calls.find((call) => call.route === text),
        );
      }
    });

    it('sums the cost of a subject since a time, across tenants (what budgets start from)', async () => {
      const since = new Date('2026-11-01T00:00:00.000Z');
      await store.append([
        modelCall({ subject: 'key_a', costUsd: 0.25, createdAt: new Date('2026-11-02T00:00:00.000Z') }),
        modelCall({
          subject: 'key_a',
          tenantId: 'tenant-b',
          costUsd: 0.5,
          outcome: 'failed',
          createdAt: new Date('2026-11-03T00:00:00.000Z'),
        }),
        modelCall({ subject: 'key_a', costUsd: null, createdAt: new Date('2026-11-03T00:00:00.000Z') }),
        modelCall({ subject: 'key_a', costUsd: 4, createdAt: new Date('2026-10-31T23:59:59.000Z') }),
        modelCall({ subject: 'key_b', costUsd: 1, createdAt: new Date('2026-11-04T00:00:00.000Z') }),
        modelCall({ subject: 'local', costUsd: 0.125, createdAt: new Date('2026-11-04T00:00:00.000Z') }),
        modelCall({ subject: null, costUsd: 8, createdAt: new Date('2026-11-04T00:00:00.000Z') }),
      ]);
      expect(await store.spendSince('key_a', since)).toBeCloseTo(0.75, 9);
      expect(await store.spendSince('key_b', since)).toBeCloseTo(1, 9);
      expect(await store.spendSince('local', since)).toBeCloseTo(0.125, 9);
      expect(await store.spendSince('key_c', since)).toBe(0);
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
