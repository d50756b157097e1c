import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCapability } from '../capabilities/index.ts';
import { MemoryVariantStore } from './memory-variant-store.ts';
import { VariantRouting } from './variant-routing.ts';
import { VariantService } from './variants.service.ts';

const capability = defineCapability({
  name: 'summarize',
  version: '1.0.0',
  summary: 's',
  description: 'd',
  input: z.object({}),
  output: z.object({}),
  run: async () => ({}),
});

function service(store = new MemoryVariantStore()) {
  const routing = new VariantRouting({ observe: () => {}, rollBack: () => {} });
  const silent = { warn() {}, info() {} };
  return {
    store,
    routing,
    service: new VariantService({
      store,
      routing,
      capabilities: () => [capability],
      clock: { now: () => new Date() },
      logger: silent,
    }),
  };
}

const declared = (model: string) => ({
  capability: 'summarize',
  version: 1,
  instructions: null,
  model,
  settings: {},
  description: null,
  source: 'config' as const,
});

describe('VariantService', () => {
  it('adds config declarations once, keeps a stored policy, and refuses a declared version whose content changed', async () => {
    const { service: first, store } = service();
    const policy = { capability: 'summarize', stable: 1, canary: null, shadows: [] };
    await first.declare([declared('fast')], [policy]);
    await first.setTraffic('summarize', { stable: null, canary: null, shadows: [] });
    const { service: second, routing } = service(store);
    await second.declare([declared('fast')], [policy]);
    expect((await store.listVariants()).map((variant) => variant.id)).toEqual(['summarize@1']);
    expect((await second.getTraffic('summarize')).stable).toBeNull();
    expect(routing.choose('summarize', 'anyone')).toBeUndefined();
    await expect(second.declare([declared('smart')], [])).rejects.toMatchObject({
      code: 'VARIANT_VERSION_TAKEN',
    });
  });

  it('rolls back automatically only the revision it judged, and by hand to the stable before the last promotion', async () => {
    const { service: variants, routing } = service();
    for (const model of ['a', 'b', 'c']) {
      await variants.createVariant({
        capability: 'summarize',
        instructions: null,
        model,
        settings: {},
        description: null,
        source: 'api',
      });
    }
    const policy = await variants.setTraffic('summarize', {
      stable: 1,
      canary: { version: 2, percent: 100 },
      shadows: [],
    });
    expect(routing.choose('summarize', 'x')?.variant?.id).toBe('summarize@2');
    const reason = {
      metric: 'error_rate',
      summary: 'worse',
      stable: {},
      canary: {},
      z: 5,
      critical: 1.64,
    } as const;
    variants.autoRollback('summarize', policy.revision - 1, reason);
    await variants.settle();
    expect((await variants.getTraffic('summarize')).canary).not.toBeNull();
    variants.autoRollback('summarize', policy.revision, reason);
    await variants.settle();
    expect((await variants.getTraffic('summarize')).canary).toBeNull();
    expect(routing.choose('summarize', 'x')?.variant?.id).toBe('summarize@1');
    expect((await variants.events('summarize', 1))[0]).toMatchObject({
      type: 'auto-rolled-back',
      version: 2,
      webhook: 'none',
    });

    await variants.promote('summarize', 3);
    const back = await variants.rollback('summarize');
    expect(back.policy.stable).toBe(1);
    expect(back.event).toMatchObject({ type: 'rolled-back', details: { from: 3, to: 1 } });
  });
});
