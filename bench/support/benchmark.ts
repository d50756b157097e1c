import type { BenchOptions } from './options.ts';

/**
 * What `bench/<name>.ts` exports to be run by `npm run bench -- <name>`. `run` throws to fail the run
 * (non-2xx answers, a process that does not start); timings never fail a benchmark.
 */
export interface BenchmarkModule {
  /** One line, shown in `npm run bench` listings. */
  readonly description?: string;
  /** Option name (without `--`) to its help text, shown by `npm run bench -- <name> --help`. */
  readonly optionsHelp?: Readonly<Record<string, string>>;
  run(options: BenchOptions): Promise<void>;
}

/** Thrown when measured runs are not clean (errors, non-2xx); the dispatcher exits 1. */
export class BenchFailure extends Error {
  override name = 'BenchFailure';
}
