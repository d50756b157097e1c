import { readFile, writeFile } from 'node:fs/promises';
import { type components, type KeelClient, KeelConnectionError } from '../client/index.ts';
import type { KeelConfig } from '../config/index.ts';
import { EVAL_USAGE } from './cli-commands.ts';
import {
  CommandFailure,
  type CommandOutput,
  connect,
  describeProblem,
  describeRetry,
  expectData,
  type HttpCommandOptions,
  noAnswer,
  parseCommandArguments,
  pause,
  probe,
  resolveConnection,
  UsageError,
} from './cli-http.ts';

export type { CommandOutput } from './cli-http.ts';

type Summary = components['schemas']['EvalVariantSummary'];
type Run = components['schemas']['EvalRun'];
type Comparison = components['schemas']['EvalComparison'];
type DatasetView = components['schemas']['Dataset'];

/** `keel eval import|run|compare`: returns the exit code (0 passed, 1 failed gate or run, 2 usage). */
export async function evalCommand(
  argv: readonly string[],
  config: KeelConfig,
  output: CommandOutput = process,
  options: HttpCommandOptions = {},
): Promise<number> {
  const [action, ...rest] = argv;
  let parsed: ReturnType<typeof parse>;
  try {
    if (action !== 'import' && action !== 'run' && action !== 'compare') {
      throw new UsageError(
        action === undefined ? 'give an action: import, run or compare' : `unknown action "${action}"`,
      );
    }
    parsed = parse(rest, config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.stderr.write(`keel eval: ${error.message}\n\nUsage: ${EVAL_USAGE}\n`);
    return 2;
  }
  const { connection } = parsed;
  const onRetry = (notice: Parameters<typeof describeRetry>[0]) =>
    output.stderr.write(`${output.stderr.isTTY ? '\n' : ''}keel eval: ${describeRetry(notice)}\n`);
  const unavailable = await probe(connection, options, onRetry);
  if (unavailable !== undefined) {
    output.stderr.write(`keel eval: ${unavailable}\n`);
    return 1;
  }
  const client = connect(connection, options, onRetry);
  try {
    if (action === 'import') return await importAction(client, parsed, output);
    if (action === 'run') return await runAction(client, parsed, output, options.pollIntervalMs ?? 250);
    return await compareAction(client, parsed, output);
  } catch (error) {
    if (error instanceof UsageError) {
      output.stderr.write(`keel eval ${action}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CommandFailure) {
      output.stderr.write(`keel eval ${action}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof KeelConnectionError) {
      output.stderr.write(`keel eval ${action}: ${noAnswer(connection, error)}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[], config: KeelConfig) {
  const { values, positionals } = parseCommandArguments(argv, {
    dataset: { type: 'string' },
    capability: { type: 'string' },
    variants: { type: 'string' },
    scorer: { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    version: { type: 'string' },
    'fail-under': { type: 'string', multiple: true },
    'gate-variant': { type: 'string' },
    baseline: { type: 'string' },
    'baseline-variant': { type: 'string' },
    variant: { type: 'string' },
    'fail-on-regression': { type: 'boolean' },
    report: { type: 'string' },
    json: { type: 'boolean' },
  });
  const failUnder = ((values['fail-under'] as string[] | undefined) ?? []).map((gate) => {
    const match = /^([a-z][a-z0-9_.-]*)=(-?\d+(?:\.\d+)?)$/.exec(gate);
    if (!match) throw new UsageError(`--fail-under takes metric=value (e.g. exact=0.8), not "${gate}"`);
    return { metric: match[1] ?? '', value: Number(match[2]) };
  });
  const scorers = ((values.scorer as string[] | undefined) ?? []).map((spec) => {
    const separator = spec.indexOf('=');
    const name = separator === -1 ? spec : spec.slice(0, separator);
    if (separator === -1) return { name };
    try {
      const options = JSON.parse(spec.slice(separator + 1)) as unknown;
      if (!options || typeof options !== 'object' || Array.isArray(options)) throw new Error('not an object');
      const { as, ...rest } = options as Record<string, unknown>;
      return { name, ...(typeof as === 'string' ? { as } : {}), options: rest };
    } catch {
      throw new UsageError(`--scorer ${name}=... takes a JSON object of options`);
    }
  });
  const integer = (name: string) => {
    const raw = values[name] as string | undefined;
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} takes a whole number`);
    return Number(raw);
  };
  return {
    positionals,
    dataset: values.dataset as string | undefined,
    capability: values.capability as string | undefined,
    variants: ((values.variants as string | undefined) ?? '')
      .split(',')
      .map((variant) => variant.trim())
      .filter(Boolean),
    scorers,
    concurrency: integer('concurrency'),
    version: integer('version'),
    failUnder,
    gateVariant: values['gate-variant'] as string | undefined,
    baseline: values.baseline as string | undefined,
    baselineVariant: values['baseline-variant'] as string | undefined,
    variant: values.variant as string | undefined,
    failOnRegression: values['fail-on-regression'] === true,
    report: values.report as string | undefined,
    json: values.json === true,
    connection: resolveConnection(values, config),
  };
}

type Parsed = ReturnType<typeof parse>;

async function importAction(client: KeelClient, parsed: Parsed, output: CommandOutput): Promise<number> {
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new UsageError('give one JSONL file');
  if (!parsed.dataset) throw new UsageError('--dataset <name> is required');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const items: Array<{ line: number; item: unknown }> = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      const item = JSON.parse(line) as unknown;
      if (!item || typeof item !== 'object' || !('input' in item)) throw new Error('no "input"');
      items.push({ line: index + 1, item });
    } catch (error) {
      output.stderr.write(
        `keel eval import: ${file}:${index + 1}: not a JSON object with "input" (${(error as Error).message})\n`,
      );
      return 1;
    }
  }
  let dataset = await findDataset(client, parsed.dataset);
  if (!dataset) {
    if (!parsed.capability)
      throw new UsageError(`no dataset "${parsed.dataset}": give --capability to create it`);
    const created = await client.POST('/v1/datasets', {
      body: { name: parsed.dataset, capability: parsed.capability },
    });
    // A create replayed after a broken connection may find the dataset its first try made.
    dataset =
      created.response.status === 409
        ? await findDataset(client, parsed.dataset)
        : expectData(created, `cannot create dataset "${parsed.dataset}"`);
    if (!dataset)
      throw new CommandFailure(
        `cannot create dataset "${parsed.dataset}": ${describeProblem(created.error, created.response)}`,
      );
  } else if (parsed.capability && parsed.capability !== dataset.capability) {
    throw new UsageError(`dataset "${dataset.name}" is for ${dataset.capability}, not ${parsed.capability}`);
  }
  let version = dataset.version;
  for (let start = 0; start < items.length; start += 500) {
    const batch = items.slice(start, start + 500);
    let added: Awaited<ReturnType<typeof addItems>>;
    try {
      added = await addItems(client, dataset.id, batch);
    } catch (error) {
      if (error instanceof KeelConnectionError && start > 0)
        output.stderr.write(`keel eval import: the first ${start} items were added as earlier versions\n`);
      throw error;
    }
    const { data, error: problem, response } = added;
    if (!data) {
      output.stderr.write(`keel eval import: ${describeProblem(problem, response)}\n`);
      const fieldErrors = (problem as { errors?: Array<{ pointer: string; message: string }> } | undefined)
        ?.errors;
      for (const error of fieldErrors ?? []) {
        const index = Number(/^\/body\/items\/(\d+)/.exec(error.pointer)?.[1]);
        const line = Number.isFinite(index) ? batch[index]?.line : undefined;
        output.stderr.write(
          `  ${line === undefined ? '' : `${file}:${line} `}${error.pointer.replace(/^\/body\/items\/\d+/, '')} ${error.message}\n`,
        );
      }
      if (start > 0)
        output.stderr.write(`keel eval import: the first ${start} items were added as earlier versions\n`);
      return 1;
    }
    version = data.dataset.version;
  }
  output.stdout.write(
    `imported ${items.length} items into ${dataset.name} (${dataset.id}), now at version ${version}\n`,
  );
  return 0;
}

async function runAction(
  client: KeelClient,
  parsed: Parsed,
  output: CommandOutput,
  pollIntervalMs: number,
): Promise<number> {
  const [name, ...extra] = parsed.positionals;
  if (!name || extra.length > 0) throw new UsageError('give one dataset (name or id)');
  if (parsed.variants.length === 0)
    throw new UsageError('--variants a,b is required (local, an alias, or provider:model)');
  const dataset = await findDataset(client, name);
  if (!dataset) throw new UsageError(`no dataset "${name}"; import one with keel eval import`);
  if (parsed.capability && parsed.capability !== dataset.capability) {
    throw new UsageError(`dataset "${dataset.name}" is for ${dataset.capability}, not ${parsed.capability}`);
  }
  const started: Run = expectData(
    await client.POST('/v1/eval-runs', {
      body: {
        dataset_id: dataset.id,
        variants: parsed.variants,
        scorers: parsed.scorers.length > 0 ? parsed.scorers : [{ name: 'exact' }, { name: 'schema-valid' }],
        ...(parsed.concurrency === undefined ? {} : { concurrency: parsed.concurrency }),
        ...(parsed.version === undefined ? {} : { dataset_version: parsed.version }),
      },
    }),
    'cannot start the run',
  );
  output.stderr.write(
    `eval run ${started.id}: ${dataset.name} v${started.dataset_version}, ${dataset.capability}, variants ${started.variants.join(', ')}\n`,
  );
  const progress = new Progress(output.stderr);
  let run = started;
  while (run.status === 'queued' || run.status === 'running') {
    progress.draw(run.completed, run.total);
    await pause(pollIntervalMs);
    run = expectData(
      await client.GET('/v1/eval-runs/{id}', { params: { path: { id: run.id } } }),
      `cannot read run ${run.id}`,
    );
  }
  progress.draw(run.completed, run.total);
  progress.done();
  if (run.status !== 'succeeded' || !run.summary) {
    output.stderr.write(
      `keel eval run: run ${run.id} ${run.status}: ${run.error?.code ?? ''} ${run.error?.detail ?? ''}\n`,
    );
    return 1;
  }
  const comparison = parsed.baseline
    ? await compare(client, run.id, parsed.baseline, parsed.baselineVariant, parsed.variant)
    : undefined;
  if (parsed.json) output.stdout.write(`${JSON.stringify({ run, comparison }, null, 2)}\n`);
  else {
    output.stdout.write(summaryTable(run.summary));
    if (comparison) output.stdout.write(comparisonText(comparison));
  }
  if (parsed.report)
    await writeReport(
      client,
      run.id,
      parsed.report,
      parsed.baseline,
      parsed.baselineVariant,
      parsed.variant,
      output,
    );
  let failed = false;
  for (const gate of parsed.failUnder) {
    for (const summary of run.summary) {
      if (parsed.gateVariant !== undefined && summary.variant !== parsed.gateVariant) continue;
      const metric = summary.metrics[gate.metric]?.mean ?? summary.extra[gate.metric];
      if (metric === undefined) {
        output.stderr.write(
          `keel eval run: --fail-under ${gate.metric}: no such metric (have ${Object.keys(summary.metrics).join(', ')})\n`,
        );
        return 2;
      }
      if (metric < gate.value) {
        failed = true;
        output.stdout.write(`FAIL ${summary.variant}: ${gate.metric} ${metric.toFixed(3)} < ${gate.value}\n`);
      } else
        output.stdout.write(
          `pass ${summary.variant}: ${gate.metric} ${metric.toFixed(3)} >= ${gate.value}\n`,
        );
    }
  }
  if (parsed.failOnRegression && comparison && comparison.regressed.length > 0) {
    failed = true;
    output.stdout.write(
      `FAIL ${comparison.regressed.length} item(s) regressed against ${comparison.baseline.run_id}\n`,
    );
  }
  return failed ? 1 : 0;
}

async function compareAction(client: KeelClient, parsed: Parsed, output: CommandOutput): Promise<number> {
  const [baseline, candidate, ...extra] = parsed.positionals;
  if (!baseline || extra.length > 0)
    throw new UsageError('give the baseline run and the candidate run (or one run to compare its variants)');
  const target = candidate ?? baseline;
  const comparison = await compare(client, target, baseline, parsed.baselineVariant, parsed.variant);
  output.stdout.write(parsed.json ? `${JSON.stringify(comparison, null, 2)}\n` : comparisonText(comparison));
  if (parsed.report)
    await writeReport(
      client,
      target,
      parsed.report,
      baseline,
      parsed.baselineVariant,
      parsed.variant,
      output,
    );
  if (parsed.failOnRegression && comparison.regressed.length > 0) {
    output.stdout.write(`FAIL ${comparison.regressed.length} item(s) regressed\n`);
    return 1;
  }
  return 0;
}

function compareParameters(
  baseline: string,
  baselineVariant: string | undefined,
  variant: string | undefined,
): { baseline: string; baseline_variant?: string; variant?: string } {
  return {
    baseline,
    ...(baselineVariant ? { baseline_variant: baselineVariant } : {}),
    ...(variant ? { variant } : {}),
  };
}

async function compare(
  client: KeelClient,
  runId: string,
  baseline: string,
  baselineVariant: string | undefined,
  variant: string | undefined,
): Promise<Comparison> {
  return expectData(
    await client.GET('/v1/eval-runs/{id}/compare', {
      params: { path: { id: runId }, query: compareParameters(baseline, baselineVariant, variant) },
    }),
    `cannot compare ${baseline} with ${runId}`,
  );
}

function addItems(client: KeelClient, datasetId: string, batch: ReadonlyArray<{ item: unknown }>) {
  return client.POST('/v1/datasets/{id}/items', {
    params: { path: { id: datasetId } },
    body: { items: batch.map((entry) => entry.item as components['schemas']['NewDatasetItem']) },
  });
}

async function writeReport(
  client: KeelClient,
  runId: string,
  file: string,
  baseline: string | undefined,
  baselineVariant: string | undefined,
  variant: string | undefined,
  output: CommandOutput,
): Promise<void> {
  const html = expectData(
    await client.GET('/v1/eval-runs/{id}/report', {
      params: {
        path: { id: runId },
        ...(baseline ? { query: compareParameters(baseline, baselineVariant, variant) } : {}),
      },
      parseAs: 'text',
    }),
    'cannot write the report',
  );
  await writeFile(file, html);
  output.stderr.write(`report written to ${file}\n`);
}

/** A readable per-variant table: metric means with their 95% intervals, then errors, latency, tokens, cost. */
export function summaryTable(summaries: readonly Summary[]): string {
  const metrics = [
    ...new Set(
      summaries.flatMap((summary) => [...Object.keys(summary.metrics), ...Object.keys(summary.extra)]),
    ),
  ];
  const header = ['variant', ...metrics, 'errors', 'p50 ms', 'p95 ms', 'tokens', 'cost $'];
  const rows = summaries.map((summary) => [
    summary.variant,
    ...metrics.map((metric) => {
      const value = summary.metrics[metric];
      if (value)
        return `${value.mean.toFixed(3)} [${(value.ci95[0] ?? 0).toFixed(2)}, ${(value.ci95[1] ?? 0).toFixed(2)}]`;
      const extra = summary.extra[metric];
      return extra === undefined ? '-' : extra.toFixed(3);
    }),
    `${summary.errors}/${summary.items}`,
    String(Math.round(summary.latency_ms.p50)),
    String(Math.round(summary.latency_ms.p95)),
    String(summary.tokens.input + summary.tokens.output),
    summary.cost_usd === null ? '-' : summary.cost_usd.toFixed(4),
  ]);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`;
  return `${line(header)}${line(widths.map((width) => '-'.repeat(width)))}${rows.map(line).join('')}`;
}

function comparisonText(comparison: Comparison): string {
  const lines = [
    `\n${comparison.baseline.variant} (${comparison.baseline.run_id}) -> ${comparison.candidate.variant} (${comparison.candidate.run_id})`,
    ...Object.entries(comparison.means).map(
      ([metric, mean]) =>
        `  ${metric.padEnd(16)} ${mean.baseline.toFixed(3)} -> ${mean.candidate.toFixed(3)}  (${mean.delta >= 0 ? '+' : ''}${mean.delta.toFixed(3)})`,
    ),
    `  ${comparison.regressed.length} regressed, ${comparison.improved.length} improved, ${comparison.unchanged} unchanged`,
    ...comparison.regressed.slice(0, 20).map(
      (change) =>
        `  regressed #${change.position}: ${Object.entries(change.changes)
          .map(([metric, [a, b]]) => `${metric} ${a ?? '-'} -> ${b ?? '-'}`)
          .join(', ')}${change.candidate_error ? ` (${change.candidate_error})` : ''}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

class Progress {
  readonly #stream: CommandOutput['stderr'];
  #last = '';

  constructor(stream: CommandOutput['stderr']) {
    this.#stream = stream;
  }

  draw(completed: number, total: number): void {
    // Until the job has counted the items there is nothing to draw.
    if (total === 0) return;
    const width = 24;
    const filled = total === 0 ? 0 : Math.round((completed / total) * width);
    const line = `[${'='.repeat(filled).padEnd(width)}] ${completed}/${total} evaluated`;
    if (line === this.#last) return;
    this.#last = line;
    // On a terminal the bar redraws in place; in CI logs each change is its own line.
    this.#stream.write(this.#stream.isTTY ? `\r${line}` : `${line}\n`);
  }

  done(): void {
    if (this.#stream.isTTY) this.#stream.write('\n');
  }
}

/** A dataset by id or name, or undefined. */
async function findDataset(client: KeelClient, nameOrId: string): Promise<DatasetView | undefined> {
  const byId = await client.GET('/v1/datasets/{id}', { params: { path: { id: nameOrId } } });
  if (byId.data) return byId.data;
  if (byId.response.status !== 404) expectData(byId, `cannot read dataset "${nameOrId}"`);
  let cursor: string | null = null;
  do {
    const page: components['schemas']['DatasetPage'] = expectData(
      await client.GET('/v1/datasets', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
      'cannot list datasets',
    );
    const found = page.items.find((dataset) => dataset.name === nameOrId);
    if (found) return found;
    cursor = page.next_cursor;
  } while (cursor);
  return undefined;
}
