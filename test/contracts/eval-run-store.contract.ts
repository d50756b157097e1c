import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EvalResult, EvalRun, EvalStore } from '../../src/modules/evals/index.ts';

export function evalRun(overrides: Partial<EvalRun> = {}): EvalRun {
  return {
    id: randomUUID(),
    tenantId: 'tenant-a',
    datasetId: 'dataset-1',
    datasetVersion: 2,
    capability: 'classify',
    variants: ['local', 'openai:gpt'],
    scorers: [{ name: 'label', as: 'label', options: { field: 'label' } }],
    concurrency: 4,
    status: 'queued',
    jobId: null,
    completed: 0,
    total: 0,
    summary: null,
    error: null,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

function result(runId: string, position: number, variant: string, value: number): EvalResult {
  return {
    runId,
    itemId: `item-${position}`,
    position,
    variant,
    output: { label: 'x', nested: [1, null] },
    scores: { label: { value, details: { expected: 'x' } }, other: null },
    latencyMs: 12,
    inputTokens: 3,
    outputTokens: 4,
    costUsd: position === 0 ? null : 0.25,
    error: value === 0 ? { code: 'GATEWAY_TIMEOUT', detail: 'slow' } : null,
  };
}

/** The run half of EvalStore: run records, patches, results keyed by (item, variant), tenancy. */
export function describeEvalRunStoreContract(name: string, createStore: () => Promise<EvalStore>): void {
  describe(`EvalStore runs contract: ${name}`, () => {
    let store: EvalStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('stores a run and patches its status, progress and summary', async () => {
      const run = evalRun();
      await store.createRun(run);
      expect(await store.getRun('tenant-a', run.id)).toEqual(run);
      const summary = [
        {
          variant: 'local',
          items: 2,
          errors: 0,
          metrics: { label: { n: 2, mean: 0.5, ci95: [0, 1] as const, standardDeviation: 0.7 } },
          extra: { 'label.macro_f1': 0.4 },
          latencyMs: { p50: 1, p95: 2, mean: 1.5 },
          tokens: { input: 0, output: 0 },
          costUsd: null,
        },
      ];
      const finishedAt = new Date('2026-11-21T10:01:00.000Z');
      const updated = await store.updateRun('tenant-a', run.id, {
        status: 'succeeded',
        jobId: 'job-1',
        completed: 4,
        total: 4,
        summary,
        finishedAt,
      });
      expect(updated).toMatchObject({
        status: 'succeeded',
        jobId: 'job-1',
        completed: 4,
        summary,
        finishedAt,
      });
      expect(await store.getRun('tenant-a', run.id)).toEqual(updated);
      expect(await store.updateRun('tenant-b', run.id, { status: 'failed' })).toBeUndefined();
      expect(await store.getRun('tenant-b', run.id)).toBeUndefined();
    });

    it('keeps one result per (item, variant), replacing a retried one, ordered by position', async () => {
      const run = evalRun();
      await store.createRun(run);
      await store.putResults('tenant-a', [
        result(run.id, 1, 'local', 1),
        result(run.id, 0, 'local', 0),
        result(run.id, 0, 'openai:gpt', 1),
      ]);
      await store.putResults('tenant-a', [result(run.id, 0, 'local', 1)]);
      const results = await store.listResults('tenant-a', run.id);
      expect(results.map((entry) => [entry.position, entry.variant, entry.scores.label?.value])).toEqual([
        [0, 'local', 1],
        [0, 'openai:gpt', 1],
        [1, 'local', 1],
      ]);
      expect(results[2]).toEqual(result(run.id, 1, 'local', 1));
      expect(await store.listResults('tenant-b', run.id)).toEqual([]);
    });

    it('lists runs newest first, per dataset, per tenant', async () => {
      const older = evalRun({ tenantId: 'tenant-l', createdAt: new Date('2026-11-21T09:00:00.000Z') });
      const newer = evalRun({ tenantId: 'tenant-l', datasetId: 'dataset-2' });
      await store.createRun(older);
      await store.createRun(newer);
      await store.createRun(evalRun({ tenantId: 'tenant-other' }));
      const page = await store.listRuns('tenant-l', { limit: 1 });
      expect(page.items.map((run) => run.id)).toEqual([newer.id]);
      expect(
        (await store.listRuns('tenant-l', { limit: 1, cursor: page.nextCursor ?? '' })).items.map(
          (run) => run.id,
        ),
      ).toEqual([older.id]);
      expect(
        (await store.listRuns('tenant-l', { limit: 10, datasetId: 'dataset-2' })).items.map((run) => run.id),
      ).toEqual([newer.id]);
    });
  });
}
