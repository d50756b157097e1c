import { beforeEach, describe, expect, it } from 'vitest';
import type { RequestLogStore, RequestRecord } from '../../src/modules/request-log/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';
import { safeJson } from '../../src/platform/text/index.ts';
import { LOOKALIKE_TEXT, UNSAFE_TEXT } from '../support/unsafe-text.ts';

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
    apiKeyId: 'key_0123456789abcdef',
    method: 'POST',
    route: '/v1/generate',
    costUsd: 0.000125,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    variant: 'generate@2',
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

    it('keeps the same request id apart in two tenants (ids can come from clients)', async () => {
      const mine = requestRecord({ id: 'shared-id', tenantId: 'tenant-a', route: '/v1/a' });
      const theirs = requestRecord({ id: 'shared-id', tenantId: 'tenant-b', route: '/v1/b' });
      await store.append([mine]);
      await store.append([theirs]);
      expect(await store.get('tenant-a', 'shared-id')).toEqual(mine);
      expect(await store.get('tenant-b', 'shared-id')).toEqual(theirs);
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

    it('keeps guardrail decisions, and records without them have none', async () => {
      const guarded = requestRecord({
        guardrails: [{ policy: 'pii-redact', stage: 'input', action: 'redact', kinds: ['email'], count: 2 }],
      });
      await store.append([guarded]);
      expect((await store.get(guarded.tenantId, guarded.id))?.guardrails).toEqual(guarded.guardrails);
      const plain = requestRecord();
      await store.append([plain]);
      expect((await store.get(plain.tenantId, plain.id))?.guardrails).toBeUndefined();
    });

    it('filters by guardrail decisions: any, or one with the given policy, stage and action', async () => {
      const redacted = requestRecord({
        guardrails: [{ policy: 'pii-redact', stage: 'input', action: 'redact', kinds: ['email'], count: 1 }],
      });
      const blocked = requestRecord({
        guardrails: [
          { policy: 'pii-redact', stage: 'input', action: 'redact', kinds: ['email'], count: 1 },
          {
            policy: 'prompt-injection',
            stage: 'input',
            action: 'block',
            kinds: ['instruction_override'],
            count: 1,
          },
        ],
      });
      await store.append([redacted, requestRecord(), blocked, requestRecord({ guardrails: [] })]);
      const ids = async (guardrail: { policy?: string; stage?: string; action?: string }) =>
        (await store.list('tenant-a', { limit: 10, guardrail })).items.map((item) => item.id).sort();
      expect(await ids({})).toEqual([redacted.id, blocked.id].sort());
      expect(await ids({ policy: 'pii-redact' })).toEqual([redacted.id, blocked.id].sort());
      expect(await ids({ action: 'block' })).toEqual([blocked.id]);
      expect(await ids({ policy: 'pii-redact', action: 'block' })).toEqual([]);
      expect(await ids({ stage: 'output' })).toEqual([]);
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

    it('keeps the request context of non-capability requests (null capability, key, route, cost, trace)', async () => {
      const record = requestRecord({
        capability: null,
        method: 'GET',
        route: '/v1/requests/:id',
        input: null,
        output: null,
        models: [],
        costUsd: 0,
      });
      await store.append([record]);
      expect(await store.get(record.tenantId, record.id)).toEqual(record);
    });

    it('fills the request context with nulls for records written without it (capability calls from jobs)', async () => {
      const {
        apiKeyId: _a,
        method: _m,
        route: _r,
        costUsd: _c,
        traceId: _t,
        variant: _v,
        ...bare
      } = requestRecord();
      await store.append([bare]);
      expect(await store.get(bare.tenantId, bare.id)).toEqual({
        ...bare,
        apiKeyId: null,
        method: null,
        route: null,
        costUsd: 0,
        traceId: null,
        variant: null,
      });
    });

    it("sums a key's spend since a time, across tenants and routes, and keyless spend apart", async () => {
      const since = new Date('2026-11-01T00:00:00.000Z');
      await store.append([
        requestRecord({
          apiKeyId: 'key_aaaaaaaaaaaaaaaa',
          costUsd: 0.25,
          createdAt: new Date('2026-11-02T00:00:00.000Z'),
        }),
        requestRecord({
          apiKeyId: 'key_aaaaaaaaaaaaaaaa',
          costUsd: 0.5,
          tenantId: 'tenant-b',
          createdAt: since,
        }),
        requestRecord({
          apiKeyId: 'key_aaaaaaaaaaaaaaaa',
          costUsd: 9,
          createdAt: new Date('2026-10-31T23:59:59.000Z'),
        }),
        requestRecord({
          apiKeyId: 'key_bbbbbbbbbbbbbbbb',
          costUsd: 7,
          createdAt: new Date('2026-11-03T00:00:00.000Z'),
        }),
        requestRecord({ apiKeyId: null, costUsd: 0.125, createdAt: new Date('2026-11-03T00:00:00.000Z') }),
      ]);
      expect(await store.spendSince('key_aaaaaaaaaaaaaaaa', since)).toBeCloseTo(0.75, 9);
      expect(await store.spendSince(null, since)).toBeCloseTo(0.125, 9);
      expect(await store.spendSince('key_cccccccccccccccc', since)).toBe(0);
    });

    it('stores every record of a batch holding NUL and lone surrogates, as sent or made safe', async () => {
      // Issue 17, item 3: one such string used to fail the whole multi-row insert (every tenant's rows).
      const texts = [...UNSAFE_TEXT, ...LOOKALIKE_TEXT];
      const records = [
        requestRecord(),
        ...texts.map((text, index) =>
          requestRecord({
            tenantId: index % 2 === 0 ? 'tenant-a' : 'tenant-b',
            capability: `cap ${text}`,
            errorCode: text,
            route: `/v1/${text}`,
            models: [text],
            input: { user_input: text, [text]: [text, { nested: text }] },
            output: text,
          }),
        ),
        requestRecord(),
      ];
      await store.append(records);
      for (const record of records) {
        const stored = await store.get(record.tenantId, record.id);
        expect([record, safeJson(record)], record.errorCode ?? record.id).toContainEqual(stored);
      }
      for (const text of LOOKALIKE_TEXT) {
        const record = records.find((candidate) => candidate.errorCode === text);
        expect(await store.get(record?.tenantId ?? '', record?.id ?? '')).toEqual(record);
      }
    });

    it('deletes records older than the retention cutoff, in every tenant, and nothing newer', async () => {
      const old = requestRecord({ createdAt: new Date('2026-10-01T00:00:00.000Z') });
      const otherTenantOld = requestRecord({
        tenantId: 'tenant-b',
        createdAt: new Date('2026-10-02T00:00:00.000Z'),
      });
      const recent = requestRecord({ createdAt: new Date('2026-11-20T00:00:00.000Z') });
      await store.append([old, otherTenantOld, recent]);
      expect(await store.deleteOlderThan(new Date('2026-11-01T00:00:00.000Z'))).toBe(2);
      expect(await store.get(old.tenantId, old.id)).toBeUndefined();
      expect(await store.get('tenant-b', otherTenantOld.id)).toBeUndefined();
      expect(await store.get(recent.tenantId, recent.id)).toEqual(recent);
      expect(await store.deleteOlderThan(new Date('2026-11-01T00:00:00.000Z'))).toBe(0);
    });

    it('rejects a cursor it did not issue with REQUEST_LOG_CURSOR_INVALID', async () => {
      await expect(store.list('tenant-a', { limit: 10, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'REQUEST_LOG_CURSOR_INVALID',
      );
    });
  });
}
