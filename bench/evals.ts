/**
 * Eval-run overhead: evaluations/s of the `eval-run` workflow with a no-op capability (so the runner,
 * scorers and result storage are what is measured, not a model), on the in-memory store and on the SQL
 * store over an in-memory PGlite, at several dataset sizes (2 variants, scorers exact + rouge-l + label).
 * Figures are printed as a table and written to bench/results/evals.json.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { defineCapability } from '../src/modules/capabilities/index.ts';
import {
  createEvalRunWorkflow,
  type EvalStore,
  MemoryEvalStore,
  SqlEvalStore,
  scorerRegistry,
} from '../src/modules/evals/index.ts';
import { emptyGatewaySettings, Gateway, UsageRecorder } from '../src/modules/gateway/index.ts';
import { IN_MEMORY_DATA_DIR, migrateToLatest, openDatabase } from '../src/platform/db/index.ts';
import { machineInfo } from './support/machine.ts';
import {
  type BenchOptions,
  numberListOption,
  numberOption,
  rejectUnknownOptions,
} from './support/options.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';

export const description =
  'eval runs: evaluations/s of the eval-run workflow (no-op capability), memory and SQL (PGlite) stores';

export const optionsHelp = {
  sizes: 'dataset items per run, one run per size (default 100,1000,5000)',
  concurrency: 'calls in flight per run (default 8)',
};

const clock = { now: () => new Date() };
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const classify = defineCapability({
  name: 'bench-classify',
  version: '1.0.0',
  summary: 'no-op',
  description: 'Answers at once, so the runner is what is measured.',
  input: z.object({ text: z.string() }),
  output: z.object({ label: z.string(), summary: z.string() }),
  run: async (input, context) => ({ label: context.modelChoice === 'a' ? 'yes' : 'no', summary: input.text }),
});

async function measure(
  store: EvalStore,
  items: number,
  concurrency: number,
): Promise<{ seconds: number; evaluations: number }> {
  const tenantId = `bench-${items}-${Math.random().toString(36).slice(2)}`;
  const dataset = await store.createDataset({
    id: `d-${tenantId}`,
    tenantId,
    name: 'bench',
    capability: classify.name,
    description: '',
    createdAt: clock.now(),
  });
  const rows = Array.from({ length: items }, (_, index) => ({
    input: { text: `ticket number ${index} about a refund that never arrived on my card` },
    expected: { label: 'yes' },
    reference: `a ticket about a refund number ${index}`,
    metadata: {},
    feedbackId: null,
  }));
  for (let start = 0; start < rows.length; start += 1000) {
    await store.addItems(tenantId, dataset?.id ?? '', rows.slice(start, start + 1000), clock.now());
  }
  const version = (await store.getDataset(tenantId, dataset?.id ?? ''))?.version ?? 1;
  const models = new Gateway({ settings: emptyGatewaySettings() });
  const workflow = createEvalRunWorkflow({
    store,
    capabilities: () => [classify],
    scorers: scorerRegistry(),
    models,
    clock,
    record: () => {},
  });
  await store.createRun({
    id: `run-${tenantId}`,
    tenantId,
    datasetId: dataset?.id ?? '',
    datasetVersion: version,
    capability: classify.name,
    variants: ['a', 'b'],
    scorers: [
      { name: 'exact', as: 'exact', options: { field: 'label' } },
      { name: 'rouge-l', as: 'rouge-l', options: { field: 'summary' } },
      { name: 'label', as: 'label', options: {} },
    ],
    concurrency,
    status: 'queued',
    jobId: null,
    completed: 0,
    total: 0,
    summary: null,
    error: null,
    createdAt: clock.now(),
    startedAt: null,
    finishedAt: null,
  });
  const signal = new AbortController().signal;
  const started = performance.now();
  await workflow.run(
    { run_id: `run-${tenantId}` },
    {
      requestId: `bench.${tenantId}`,
      tenantId,
      signal,
      logger: silent,
      clock,
      models: models.forInvocation({
        requestId: 'bench',
        tenantId,
        source: 'bench',
        capability: 'eval-run',
        signal,
        recorder: new UsageRecorder(),
      }),
      modelChoice: undefined,
      usage: () => new UsageRecorder().snapshot(),
      emit() {},
      progress() {},
      step: (_name, run) => run({ key: 'bench', attempt: 1 } as never),
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, evaluations: items * 2 };
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const sizes = numberListOption(options, 'sizes', [100, 1000, 5000], { min: 1 });
  const concurrency = numberOption(options, 'concurrency', 8, { min: 1, max: 32 });
  const database = await openDatabase({ kind: 'embedded', dataDir: IN_MEMORY_DATA_DIR });
  await migrateToLatest(database.db);
  const rows: Array<{
    store: string;
    items: number;
    evaluations: number;
    seconds: number;
    perSecond: number;
  }> = [];
  try {
    for (const [name, store] of [
      ['memory', new MemoryEvalStore()],
      ['sql (PGlite)', new SqlEvalStore(database.db)],
    ] as const) {
      for (const items of sizes) {
        const { seconds, evaluations } = await measure(store, items, concurrency);
        rows.push({ store: name, items, evaluations, seconds, perSecond: evaluations / seconds });
      }
    }
  } finally {
    await database.close();
  }
  process.stdout.write(
    `${formatTable(
      [
        { header: 'store' },
        { header: 'items' },
        { header: 'evaluations', align: 'right' },
        { header: 'seconds', align: 'right' },
        { header: 'evaluations/s', align: 'right' },
      ],
      rows.map((row) => [
        row.store,
        String(row.items),
        String(row.evaluations),
        row.seconds.toFixed(2),
        row.perSecond.toFixed(0),
      ]),
    )}\n`,
  );
  const file = await writeResults('evals', { machine: machineInfo(), concurrency, rows });
  process.stdout.write(`written to ${file}\n`);
}
