import { MockEmbeddingModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type CapabilityContext, defineCapability } from '../capabilities/index.ts';
import { emptyGatewaySettings, Gateway, UsageRecorder } from '../gateway/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import type { EvalRun } from './eval.types.ts';
import { createEvalRunWorkflow } from './eval-run.workflow.ts';
import { scorerRegistry } from './evals.dependencies.ts';
import { MemoryEvalStore } from './memory-eval-store.ts';
import { similarityScorer } from './scorers/builtin-scorers.ts';

const clock = { now: () => new Date('2026-11-21T10:00:00.000Z') };
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function setup() {
  const seen: Array<{ input: unknown; model: string | undefined }> = [];
  const echo = defineCapability({
    name: 'echo',
    version: '1.0.0',
    summary: 's',
    description: 'd',
    input: z.object({ text: z.string(), model: z.string().optional() }),
    output: z.object({ text: z.string() }),
    async run(input, context) {
      seen.push({ input, model: context.modelChoice });
      if (input.text === 'explode') throw new Error('boom');
      return { text: context.modelChoice === 'upper' ? input.text.toUpperCase() : input.text };
    },
  });
  const store = new MemoryEvalStore();
  const records: RequestRecord[] = [];
  const models = new Gateway({ settings: emptyGatewaySettings() });
  const workflow = createEvalRunWorkflow({
    store,
    capabilities: () => [echo],
    scorers: scorerRegistry(),
    models,
    clock,
    record: (record) => records.push(record),
  });
  const progress: Array<[number, string | undefined]> = [];
  const context = (signal = new AbortController().signal): CapabilityContext => ({
    requestId: 'job-1.1',
    tenantId: 'tenant-a',
    signal,
    logger: silent,
    clock,
    models: models.forInvocation({
      requestId: 'job-1.1',
      tenantId: 'tenant-a',
      source: 'test',
      capability: 'eval-run',
      signal,
      recorder: new UsageRecorder(),
    }),
    modelChoice: undefined,
    usage: () => new UsageRecorder().snapshot(),
    emit() {},
    progress: (fraction, message) => progress.push([fraction, message]),
    step: (_name, run) => run({ key: 'k', attempt: 1 } as never),
  });
  return { store, workflow, seen, records, progress, context };
}

async function dataset(store: MemoryEvalStore, texts: string[]) {
  const created = await store.createDataset({
    id: 'd1',
    tenantId: 'tenant-a',
    name: 'n',
    capability: 'echo',
    description: '',
    createdAt: clock.now(),
  });
  await store.addItems(
    'tenant-a',
    created?.id ?? '',
    texts.map((text) => ({
      input: { text, model: 'pinned' },
      expected: { text },
      reference: null,
      metadata: {},
      feedbackId: null,
    })),
    clock.now(),
  );
}

function run(overrides: Partial<EvalRun> = {}): EvalRun {
  return {
    id: 'run-1',
    tenantId: 'tenant-a',
    datasetId: 'd1',
    datasetVersion: 1,
    capability: 'echo',
    variants: ['plain', 'upper'],
    scorers: [{ name: 'exact', as: 'exact', options: { field: 'text' } }],
    concurrency: 2,
    status: 'queued',
    jobId: 'job-1',
    completed: 0,
    total: 0,
    summary: null,
    error: null,
    createdAt: clock.now(),
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

describe('the eval-run workflow', () => {
  it('evaluates every item under every variant, drops the item’s own model choice, logs and reports progress', async () => {
    const { store, workflow, seen, records, progress, context } = setup();
    await dataset(store, ['a', 'b', 'c']);
    await store.createRun(run());
    expect(await workflow.run({ run_id: 'run-1' }, context())).toEqual({
      run_id: 'run-1',
      status: 'succeeded',
      items: 6,
    });
    expect(seen).toHaveLength(6);
    expect(seen.every((call) => !('model' in (call.input as object)))).toBe(true);
    expect(new Set(seen.map((call) => call.model))).toEqual(new Set(['plain', 'upper']));
    expect(records.map((record) => record.id).sort()).toEqual([
      'job-1.1.0.0',
      'job-1.1.0.1',
      'job-1.1.1.0',
      'job-1.1.1.1',
      'job-1.1.2.0',
      'job-1.1.2.1',
    ]);
    expect(progress.at(-1)).toEqual([1, '6/6 evaluated']);
    const finished = await store.getRun('tenant-a', 'run-1');
    expect(finished).toMatchObject({
      status: 'succeeded',
      completed: 6,
      total: 6,
      startedAt: clock.now(),
      finishedAt: clock.now(),
    });
    expect(finished?.summary?.map((summary) => [summary.variant, summary.metrics.exact?.mean])).toEqual([
      ['plain', 1],
      ['upper', 0],
    ]);
  });

  it('resumes a redelivered run: stored (item, variant) pairs are not evaluated again', async () => {
    const { store, workflow, seen, context } = setup();
    await dataset(store, ['a', 'b']);
    await store.createRun(run({ status: 'running' }));
    const items = await store.listItems('tenant-a', 'd1', 1, 0, 10);
    await store.putResults('tenant-a', [
      {
        runId: 'run-1',
        itemId: items[0]?.id ?? '',
        position: 0,
        variant: 'plain',
        output: { text: 'from the first attempt' },
        scores: { exact: { value: 0 } },
        latencyMs: 1,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        error: null,
      },
    ]);
    await workflow.run({ run_id: 'run-1' }, context());
    expect(seen).toHaveLength(3);
    const results = await store.listResults('tenant-a', 'run-1');
    expect(results).toHaveLength(4);
    expect(results[0]?.output).toEqual({ text: 'from the first attempt' });
  });

  it('records a failing call as an error scored 0, and marks the run failed when it cannot run', async () => {
    const { store, workflow, context } = setup();
    await dataset(store, ['explode', 'fine']);
    await store.createRun(run({ variants: ['plain'] }));
    await workflow.run({ run_id: 'run-1' }, context());
    const results = await store.listResults('tenant-a', 'run-1');
    expect(results[0]).toMatchObject({ error: { code: 'INTERNAL_ERROR' }, scores: { exact: { value: 0 } } });
    expect((await store.getRun('tenant-a', 'run-1'))?.summary?.[0]).toMatchObject({
      errors: 1,
      metrics: { exact: { mean: 0.5, n: 2 } },
    });

    await store.createRun(run({ id: 'run-2', capability: 'gone' }));
    await expect(workflow.run({ run_id: 'run-2' }, context())).rejects.toMatchObject({
      code: 'EVAL_CAPABILITY_UNKNOWN',
    });
    expect(await store.getRun('tenant-a', 'run-2')).toMatchObject({
      status: 'failed',
      error: { code: 'EVAL_CAPABILITY_UNKNOWN' },
    });
    await expect(workflow.run({ run_id: 'missing' }, context())).rejects.toMatchObject({
      code: 'EVAL_RUN_NOT_FOUND',
    });
  });

  it('leaves an aborted run to its job (no failed status), so a redelivery resumes it', async () => {
    const { store, workflow, context } = setup();
    await dataset(store, ['a']);
    await store.createRun(run({ variants: ['plain'] }));
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await workflow.run({ run_id: 'run-1' }, context(controller.signal)).catch(() => undefined);
    expect((await store.getRun('tenant-a', 'run-1'))?.status).not.toBe('failed');
  });
});

describe('the similarity scorer', () => {
  it('scores the cosine of the embeddings of output and reference', async () => {
    const embedder = new MockEmbeddingModelV4({
      provider: 'local',
      modelId: 'test',
      doEmbed: async ({ values }) => ({
        embeddings: values.map((value) => (value.includes('cat') ? [1, 0] : [Math.SQRT1_2, Math.SQRT1_2])),
        warnings: [],
      }),
    });
    const models = { embedding: () => embedder } as never;
    const subject = {
      capability: undefined as never,
      input: {},
      output: { answer: 'a cat' },
      expected: undefined,
      reference: 'a dog',
      latencyMs: 1,
      tokens: { input: 0, output: 0 },
      costUsd: null,
    };
    const score = await similarityScorer.score(subject, similarityScorer.options.parse({}), {
      models,
      signal: new AbortController().signal,
    });
    expect(score?.value).toBeCloseTo(Math.SQRT1_2, 10);
    expect(
      await similarityScorer.score(
        { ...subject, reference: undefined },
        {},
        { models, signal: new AbortController().signal },
      ),
    ).toBeNull();
  });
});
