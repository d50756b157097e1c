/**
 * `npm run bench -- <name> [--option value ...]`: runs `bench/<name>.ts`'s exported `run(options)`.
 * Without a name, or with an unknown one, lists the benchmarks and exits 2. `npm run bench -- <name> --help`
 * shows a benchmark's options. Add a benchmark by adding `bench/<name>.ts` that exports `run` (and a
 * `description`); see `bench/support/benchmark.ts`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchFailure, type BenchmarkModule } from './support/benchmark.ts';
import { type BenchOptions, parseFlags, UsageError } from './support/options.ts';
import { killAllChildrenNow, stopAllChildren } from './support/processes.ts';

const BENCH_DIR = import.meta.dirname;

async function benchmarkNames(): Promise<string[]> {
  const files = await readdir(BENCH_DIR);
  return files
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && file !== 'run.ts')
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

async function load(name: string): Promise<BenchmarkModule> {
  const module = (await import(
    pathToFileURL(path.join(BENCH_DIR, `${name}.ts`)).href
  )) as Partial<BenchmarkModule>;
  if (typeof module.run !== 'function')
    throw new Error(`bench/${name}.ts does not export a run(options) function`);
  return module as BenchmarkModule;
}

async function listing(): Promise<string> {
  const names = await benchmarkNames();
  const width = Math.max(0, ...names.map((name) => name.length)) + 2;
  const lines = await Promise.all(
    names.map(async (name) => {
      const description = await load(name).then(
        (module) => module.description ?? '',
        (error: unknown) => `(does not load: ${error instanceof Error ? error.message : String(error)})`,
      );
      return `  ${name.padEnd(width)}${description}`;
    }),
  );
  return `Usage: npm run bench -- <name> [--option value ...]   (npm run bench -- <name> --help for its options)

Benchmarks:
${lines.join('\n')}
`;
}

function help(name: string, module: BenchmarkModule): string {
  const options = Object.entries(module.optionsHelp ?? {});
  const width = Math.max(0, ...options.map(([option]) => option.length)) + 4;
  return `Usage: npm run bench -- ${name} [--option value ...]

${module.description ?? ''}

Options:
${options.map(([option, text]) => `  --${option.padEnd(width - 2)}${text}`).join('\n')}
`;
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`\nbench: ${signal}, stopping child processes\n`);
  void stopAllChildren().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

async function main(argv: readonly string[]): Promise<number> {
  const { positionals, options } = parseFlags(argv);
  const [name, ...extra] = positionals;
  const names = await benchmarkNames();
  if (name === undefined || !names.includes(name)) {
    if (name !== undefined) process.stderr.write(`bench: unknown benchmark "${name}"\n\n`);
    process.stderr.write(await listing());
    return 2;
  }
  const module = await load(name);
  if (options.help === true) {
    process.stdout.write(help(name, module));
    return 0;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra.join(' ')}`);

  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAllChildrenNow);
  try {
    await module.run(options satisfies BenchOptions);
  } finally {
    await stopAllChildren();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message =
      error instanceof BenchFailure || !(error instanceof Error)
        ? String(error)
        : (error.stack ?? error.message);
    process.stderr.write(`bench: failed: ${message}\n`);
    process.exitCode = 1;
  },
);
