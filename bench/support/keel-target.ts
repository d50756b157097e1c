import path from 'node:path';

/**
 * How every benchmark runs Keel: `keel serve` in its production configuration, so no figure is bought by
 * turning a feature off. Every request is authenticated (an admin key), request and token limits are set
 * (counted on every call, never reached), logs are written at `info` (to a file, as to a collector), and
 * each request writes its request-log row and model-call row, opens its spans and observes its metrics.
 * `test/e2e/bench-configuration.e2e.test.ts` asserts that a request served this way still does all that.
 */

/** What `npm start` runs: bin/keel.js relaunches with Keel's memory settings (decision 0198). */
export const KEEL_LAUNCHER = path.resolve(import.meta.dirname, '../../bin/keel.js');

/** The admin key the benchmarks authenticate with. */
export const BENCH_ADMIN_KEY = 'bench-keel-admin-key-0123456789abcdef';

export interface KeelBenchSettings {
  readonly port: number;
  /** The OpenAI-compatible upstream (the fake model server), with its `/v1`. */
  readonly upstreamUrl: string;
  readonly model: string;
  /** `memory://`: the embedded PGlite in memory; or a PostgreSQL server (`DATABASE_URL`). */
  readonly storage: { readonly databaseUrl: string } | 'embedded';
  readonly logLevel?: 'info' | 'silent';
  /** More variables, for what a benchmark measures beyond the defaults. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The environment of a benchmarked `keel serve`: this machine's, minus any Keel settings, plus the bench's. */
export function keelBenchEnvironment(settings: KeelBenchSettings): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = {};
  const owned = /^(KEEL_|DATABASE_URL$|REDIS_URL$|OPENAI_|ANTHROPIC_|LOG_LEVEL$|PORT$|HOST$|OTEL_)/;
  for (const [name, value] of Object.entries(process.env)) if (!owned.test(name)) inherited[name] = value;
  return {
    ...inherited,
    PORT: String(settings.port),
    HOST: '127.0.0.1',
    ...(settings.storage === 'embedded'
      ? { KEEL_DATA_DIR: 'memory://' }
      : { DATABASE_URL: settings.storage.databaseUrl }),
    OPENAI_BASE_URL: settings.upstreamUrl,
    KEEL_MODEL: settings.model,
    LOG_LEVEL: settings.logLevel ?? 'info',
    KEEL_ADMIN_KEY: BENCH_ADMIN_KEY,
    KEEL_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    KEEL_LIMIT_TOKENS_PER_MINUTE: '1000000000',
    ...settings.extra,
  };
}
