/**
 * Variant resolution on the stable path: what routing through variants adds to one capability invocation
 * (`CapabilityInvoker.invoke`, a capability that answers at once, the real gateway and request context),
 * per call, p50 and p99, side by side: no variant routing at all; routing with no policy for the
 * capability; a stable variant alone; and stable + a 10% canary + a 10% shadow (calls measured are the
 * ones stable serves; the shadows they sample are queued as jobs in memory after the call, off its path).
 * Configurations are interleaved round by round so drift hits them alike. Figures are printed as a table
 * and written to bench/results/variants.json.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { CapabilityInvoker, defineCapability } from '../src/modules/capabilities/index.ts';
import { emptyGatewaySettings, Gateway } from '../src/modules/gateway/index.ts';
import { capabilityRunJob, MemoryJobStore } from '../src/modules/jobs/index.ts';
import {
  createVariantSystem,
  inCanary,
  MemoryVariantStore,
  trafficBucket,
  type VariantSystem,
} from '../src/modules/variants/index.ts';
import { InProcessNotifier, MemoryJobQueue } from '../src/platform/jobs/index.ts';
import { machineInfo } from './support/machine.ts';
import { type BenchOptions, numberOption, rejectUnknownOptions } from './support/options.ts';
import { writeResults } from './support/results.ts';
import { formatTable } from './support/table.ts';

export const description =
  'variants: p50/p99 added to a capability call by variant resolution (none, no policy, stable, stable+canary+shadow)';

export const optionsHelp = {
  calls: 'measured calls per configuration (default 40000)',
  rounds: 'rounds the calls are split into, configurations interleaved (default 8)',
};

const clock = { now: () => new Date() };
const silent = { info() {}, warn() {}, error() {}, debug() {} };

const capability = defineCapability({
  name: 'bench-echo',
  version: '1.0.0',
  summary: 'no-op',
  description: 'Answers at once, so the invoker and the routing are what is measured.',
  input: z.object({ text: z.string() }),
  output: z.object({ text: z.string() }),
  run: async (input) => ({ text: input.text }),
});

interface Configuration {
  readonly name: string;
  readonly invoker: CapabilityInvoker;
  readonly system?: VariantSystem;
  /** Subjects this configuration's stable variant serves (all of them without a canary). */
  readonly subjects: readonly string[];
  readonly samples: number[];
}

const queue = new MemoryJobQueue();

async function system(models: Gateway, policy: 'none' | 'stable' | 'canary'): Promise<VariantSystem> {
  const variants = createVariantSystem({
    store: new MemoryVariantStore(),
    capabilities: () => [capability],
    models,
    clock,
    logger: silent,
    jobs: new MemoryJobStore(queue, new InProcessNotifier()),
  });
  await variants.start();
  if (policy === 'none') return variants;
  for (const model of ['local', 'local', 'local']) {
    await variants.service.createVariant({
      capability: capability.name,
      instructions: 'Be brief.',
      model,
      settings: {},
      description: null,
      source: 'api',
    });
  }
  await variants.service.setTraffic(
    capability.name,
    policy === 'stable'
      ? { stable: 1, canary: null, shadows: [] }
      : {
          stable: 1,
          canary: { version: 2, percent: 10 },
          shadows: [{ version: 3, sampleRate: 0.1, maxPerMinute: 1_000_000 }],
          // Never roll back mid-benchmark: every call succeeds anyway.
          autoRollback: { enabled: false },
        },
  );
  return variants;
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const calls = numberOption(options, 'calls', 40_000, { min: 100 });
  const rounds = numberOption(options, 'rounds', 8, { min: 1, max: 100 });
  const models = new Gateway({ settings: emptyGatewaySettings() });
  const record = () => {};
  const allSubjects = Array.from({ length: 1_000 }, (_, index) => `key_${index}`);
  const stableSubjects = allSubjects.filter(
    (subject) => !inCanary(trafficBucket(capability.name, subject), 10),
  );
  const configurations: Configuration[] = [];
  configurations.push({
    name: 'no variant routing',
    invoker: new CapabilityInvoker({ models, clock, record }),
    subjects: allSubjects,
    samples: [],
  });
  for (const [name, policy] of [
    ['routing, no policy', 'none'],
    ['stable variant', 'stable'],
    ['stable + 10% canary + 10% shadow', 'canary'],
  ] as const) {
    const variants = await system(models, policy);
    configurations.push({
      name,
      invoker: new CapabilityInvoker({ models, clock, record, variants: variants.routing }),
      system: variants,
      subjects: policy === 'canary' ? stableSubjects : allSubjects,
      samples: [],
    });
  }
  const signal = new AbortController().signal;
  const input = { text: 'a short text' };
  const invoke = (configuration: Configuration, index: number) =>
    configuration.invoker.invoke(capability, input, {
      requestId: `bench-${index}`,
      tenantId: 'bench',
      signal,
      logger: silent,
      subject: configuration.subjects[index % configuration.subjects.length],
    });
  // Warm up every path (JIT, caches) before measuring.
  for (const configuration of configurations)
    for (let index = 0; index < 2_000; index++) await invoke(configuration, index);
  const perRound = Math.ceil(calls / rounds);
  // Work a block deferred (queued shadows, written observations) is drained before the next block starts,
  // and the order rotates each round, so no configuration pays for another's.
  const drain = async () => {
    for (const configuration of configurations) await configuration.system?.flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < configurations.length; offset++) {
      const configuration = configurations[(round + offset) % configurations.length] as Configuration;
      await drain();
      for (let index = 0; index < perRound; index++) {
        const started = performance.now();
        await invoke(configuration, round * perRound + index);
        configuration.samples.push((performance.now() - started) * 1000);
      }
    }
  }
  for (const configuration of configurations) {
    await configuration.system?.flush();
  }
  const percentile = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const baseline = configurations[0] as Configuration;
  const base50 = percentile(baseline.samples, 0.5);
  const base99 = percentile(baseline.samples, 0.99);
  const rows = configurations.map((configuration) => {
    const p50 = percentile(configuration.samples, 0.5);
    const p99 = percentile(configuration.samples, 0.99);
    return {
      name: configuration.name,
      calls: configuration.samples.length,
      p50,
      p99,
      added50: p50 - base50,
      added99: p99 - base99,
    };
  });
  // The shadows the canary configuration sampled, queued as jobs (no workers run them here).
  const shadowsQueued = await queue.depth(capabilityRunJob);
  process.stdout.write(
    `${formatTable(
      [
        { header: 'configuration' },
        { header: 'calls', align: 'right' },
        { header: 'p50 µs', align: 'right' },
        { header: 'p99 µs', align: 'right' },
        { header: 'added p50 µs', align: 'right' },
        { header: 'added p99 µs', align: 'right' },
      ],
      rows.map((row) => [
        row.name,
        String(row.calls),
        row.p50.toFixed(1),
        row.p99.toFixed(1),
        row === rows[0] ? '-' : row.added50.toFixed(1),
        row === rows[0] ? '-' : row.added99.toFixed(1),
      ]),
    )}\n${shadowsQueued} shadow runs queued as jobs by the canary + shadow configuration.\n`,
  );
  for (const configuration of configurations) await configuration.system?.close();
  const file = await writeResults('variants', {
    machine: machineInfo(),
    calls,
    rounds,
    shadowsQueued,
    rows,
  });
  process.stdout.write(`written to ${file}\n`);
}
