import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_AUTO_ROLLBACK,
  type TrafficPolicy,
  type VariantObservation,
  type VariantStore,
} from '../../src/modules/variants/index.ts';

const NOW = new Date(Date.UTC(2026, 11, 7, 12, 0, 0));

function observation(overrides: Partial<VariantObservation> = {}): VariantObservation {
  return {
    requestId: 'request-1',
    tenantId: 'tenant-a',
    capability: 'summarize',
    version: 1,
    role: 'stable',
    outcome: 'succeeded',
    errorCode: null,
    schemaValid: true,
    latencyMs: 100,
    costUsd: 0.01,
    score: null,
    agreement: null,
    createdAt: NOW,
    ...overrides,
  };
}

function policy(overrides: Partial<Omit<TrafficPolicy, 'revision'>> = {}): Omit<TrafficPolicy, 'revision'> {
  return {
    capability: 'summarize',
    stable: 1,
    canary: null,
    shadows: [],
    autoRollback: DEFAULT_AUTO_ROLLBACK,
    updatedAt: NOW,
    ...overrides,
  };
}

/** The behaviour every VariantStore adapter must have. */
export function describeVariantStoreContract(name: string, createStore: () => Promise<VariantStore>): void {
  describe(`VariantStore contract: ${name}`, () => {
    let store: VariantStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('numbers variants per capability, keeps them as made, and refuses a taken version', async () => {
      const base = {
        instructions: null,
        model: null,
        settings: {},
        description: null,
        source: 'api',
      } as const;
      const first = await store.createVariant({ ...base, capability: 'summarize', model: 'fast' }, NOW);
      const second = await store.createVariant(
        { ...base, capability: 'summarize', instructions: 'Be brief.', settings: { temperature: 0.2 } },
        NOW,
      );
      const other = await store.createVariant({ ...base, capability: 'classify' }, NOW);
      expect([first.id, second.id, other.id]).toEqual(['summarize@1', 'summarize@2', 'classify@1']);
      expect(await store.getVariant('summarize', 2)).toEqual(second);
      expect(second.settings).toEqual({ temperature: 0.2 });
      expect((await store.listVariants('summarize')).map((variant) => variant.version)).toEqual([1, 2]);
      expect(await store.getVariant('summarize', 9)).toBeUndefined();
      await expect(
        store.createVariant({ ...base, capability: 'summarize', version: 2, source: 'config' }, NOW),
      ).rejects.toMatchObject({ code: 'VARIANT_VERSION_TAKEN' });
      const declared = await store.createVariant({ ...base, capability: 'summarize', version: 7 }, NOW);
      expect(declared.id).toBe('summarize@7');
    });

    it('saves a policy only at the revision it was read at, with its event', async () => {
      const first = await store.savePolicy(policy({ canary: { version: 2, percent: 20 } }), 0, null);
      expect(first?.policy).toMatchObject({ stable: 1, canary: { version: 2, percent: 20 }, revision: 1 });
      expect(await store.savePolicy(policy(), 0, null)).toBeUndefined();
      const second = await store.savePolicy(
        policy({ stable: 2, shadows: [{ version: 3, sampleRate: 0.5, maxPerMinute: 60 }] }),
        1,
        {
          capability: 'summarize',
          type: 'promoted',
          version: 2,
          details: { from: 1 },
          webhook: 'pending',
          createdAt: NOW,
        },
      );
      expect(second?.policy).toMatchObject({ stable: 2, canary: null, revision: 2 });
      expect(second?.policy.shadows).toEqual([{ version: 3, sampleRate: 0.5, maxPerMinute: 60 }]);
      expect(await store.getPolicy('summarize')).toEqual(second?.policy);
      expect(await store.savePolicy(policy(), 1, null)).toBeUndefined();
      const events = await store.listEvents('summarize', 10);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'promoted',
        version: 2,
        details: { from: 1 },
        webhook: 'pending',
      });
      await store.markWebhook(events[0]?.id ?? '', 'delivered');
      expect((await store.listEvents('summarize', 10))[0]?.webhook).toBe('delivered');
      expect((await store.listPolicies()).map((each) => each.capability)).toEqual(['summarize']);
    });

    it('aggregates observations per variant and role, with feedback attributed to the live call', async () => {
      await store.appendObservations([
        observation({ requestId: 'a', latencyMs: 100 }),
        observation({ requestId: 'b', latencyMs: 200 }),
        observation({
          requestId: 'c',
          version: 2,
          role: 'canary',
          outcome: 'failed',
          schemaValid: false,
          errorCode: 'CAPABILITY_OUTPUT_INVALID',
        }),
        observation({ requestId: 'a', version: 3, role: 'shadow', agreement: 0.5, costUsd: 0.02 }),
        observation({ requestId: 'old', createdAt: new Date(NOW.getTime() - 3_600_000) }),
        observation({ requestId: 'x', capability: 'classify' }),
      ]);
      await store.rate('tenant-a', 'a', 1);
      await store.rate('tenant-b', 'b', 0);
      const rows = await store.aggregate({
        capability: 'summarize',
        since: new Date(NOW.getTime() - 60_000),
      });
      const byRole = Object.fromEntries(rows.map((row) => [row.role, row]));
      expect(byRole.stable).toMatchObject({
        version: 1,
        calls: 2,
        errors: 0,
        schemaFailures: 0,
        latencySum: 300,
        bucket: null,
      });
      expect(byRole.stable?.latencyP95).toBeCloseTo(195);
      expect(byRole.stable?.ratings).toEqual({ n: 1, sum: 1, squares: 1 });
      expect(byRole.canary).toMatchObject({ version: 2, calls: 1, errors: 1, schemaFailures: 1 });
      expect(byRole.shadow).toMatchObject({
        version: 3,
        calls: 1,
        agreements: { n: 1, sum: 0.5, squares: 0.25 },
      });
      expect(byRole.shadow?.ratings.n).toBe(0);
      expect(byRole.shadow?.costSum).toBeCloseTo(0.02);
      const buckets = await store.aggregate({
        capability: 'summarize',
        since: new Date(NOW.getTime() - 7_200_000),
        bucketMs: 3_600_000,
      });
      const stable = buckets
        .filter((row) => row.role === 'stable')
        .sort((a, b) => Number(a.bucket) - Number(b.bucket));
      expect(stable.map((row) => [row.bucket?.getTime(), row.calls])).toEqual([
        [NOW.getTime() - 3_600_000, 1],
        [NOW.getTime(), 2],
      ]);
      expect(await store.deleteObservationsOlderThan(new Date(NOW.getTime() - 60_000))).toBe(1);
      const kept = await store.aggregate({ capability: 'summarize', since: new Date(0) });
      expect(kept.reduce((sum, row) => sum + row.calls, 0)).toBe(4);
    });
  });
}
