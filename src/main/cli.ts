#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { environmentSchema } from '../config/environment.schema.ts';
import { ConfigError, type KeelConfig, loadConfig } from '../config/index.ts';
import { migrationStatus } from '../platform/db/index.ts';
import { createLogger, type Logger, routeConsoleToLogger } from '../platform/logging/index.ts';
import { startApi } from './api.ts';
import { buildDatabase, buildMigratedDatabase } from './database-builder.ts';
import { EVAL_DETAILS, EVAL_USAGE, evalCommand } from './eval-command.ts';
import {
  EXPORT_DETAILS,
  EXPORT_USAGE,
  exportCommand,
  IMPORT_DETAILS,
  IMPORT_USAGE,
  importCommand,
} from './export-command.ts';
import { INGEST_DETAILS, INGEST_USAGE, ingestCommand } from './ingest-command.ts';
import { JOBS_DETAILS, JOBS_USAGE, jobsCommand } from './jobs-command.ts';
import { KEYS_DETAILS, KEYS_USAGE, keysCommand } from './keys-command.ts';
import { runInScope } from './resource-scope.ts';
import { registerConfiguredSecrets } from './secrets.ts';
import { VARIANTS_DETAILS, VARIANTS_USAGE, variantsCommand } from './variants-command.ts';
import { KEEL_VERSION } from './version.ts';
import { startWorker } from './worker.ts';

const COMMANDS = {
  serve: {
    summary: 'Run the API (the default for `npm start`).',
    usage: 'keel serve',
    details:
      'Starts the HTTP API on HOST:PORT (127.0.0.1:8080 by default), on the embedded database in KEEL_DATA_DIR unless DATABASE_URL is set; `keel ingest` and `keel eval` find it at the same HOST:PORT unless --url or KEEL_URL says otherwise. Migrations are applied at start. SIGTERM or SIGINT drains in-flight requests, then exits.',
  },
  migrate: {
    summary: 'Apply pending database migrations, or list them with --status, or test with --check.',
    usage: 'keel migrate [--status] [--check]',
    details:
      'Applies every pending migration to the configured database (DATABASE_URL, or the embedded one in KEEL_DATA_DIR) and prints what it applied; several processes may run it at once, an advisory lock makes one apply each migration. With --status it changes nothing and prints applied and pending migrations; the exit code is 1 when some are pending. With --check it changes nothing, prints only the pending ones, and exits 1 when there are any (for a deploy pipeline: run the migrate-once step first).',
  },
  worker: {
    summary: 'Run job workers (no HTTP): attempts of queued jobs and webhook deliveries.',
    usage: 'keel worker',
    details:
      'Runs KEEL_WORKER_CONCURRENCY job attempts at once from the shared queue, on the database in DATABASE_URL (any number of worker and API processes share it). Migrations are applied at start. SIGTERM or SIGINT stops claiming, lets running attempts finish briefly, hands the rest back to the queue, then exits. On the embedded database, `keel serve` runs workers itself and no other process may open it.',
  },
  jobs: {
    summary: 'List, show, retry or cancel jobs.',
    usage: JOBS_USAGE,
    details: JOBS_DETAILS,
  },
  keys: {
    summary: 'Create, list or revoke API keys.',
    usage: KEYS_USAGE,
    details: KEYS_DETAILS,
  },
  ingest: {
    summary:
      'Upload files or globs to a running Keel (waiting out a busy one) and wait for their ingestion; report each file.',
    usage: INGEST_USAGE,
    details: INGEST_DETAILS,
  },
  eval: {
    summary: 'Import eval datasets, run and compare evals against a running Keel; gate CI with --fail-under.',
    usage: EVAL_USAGE,
    details: EVAL_DETAILS,
  },
  variants: {
    summary:
      'Create capability variants, set canary and shadow traffic, compare them live, promote or roll back.',
    usage: VARIANTS_USAGE,
    details: VARIANTS_DETAILS,
  },
  export: {
    summary: 'Write collections, documents, chunks, API keys (hashes) and datasets to a portable file.',
    usage: EXPORT_USAGE,
    details: EXPORT_DETAILS,
  },
  import: {
    summary: 'Read a `keel export` file into the configured database (embedded to PostgreSQL, say).',
    usage: IMPORT_USAGE,
    details: IMPORT_DETAILS,
  },
} as const;

type CommandName = keyof typeof COMMANDS;

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const commands = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`)
    .join('\n');
  const nameWidth = Math.max(...Object.keys(environmentSchema.shape).map((name) => name.length)) + 2;
  const variables = Object.entries(environmentSchema.shape)
    .map(
      ([name, schema]) =>
        `  ${name.padEnd(nameWidth)}${(schema.meta()?.description as string | undefined) ?? ''}`,
    )
    .join('\n');
  return `keel ${KEEL_VERSION}: the production backend for AI features

Usage: keel <command> [options]

Commands:
${commands}

Options:
  -h, --help     Show help (also: keel <command> --help)
  -v, --version  Print the version

Environment:
${variables}

An optional keel.config.ts in the working directory (or KEEL_CONFIG) declares models and capabilities.
`;
}

function commandHelp(name: CommandName): string {
  const command = COMMANDS[name];
  return `Usage: ${command.usage}\n\n${command.summary}\n\n${command.details}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      status: { type: 'boolean' },
      check: { type: 'boolean' },
    },
  });
  const [commandName = 'serve', ...extra] = positionals;
  if (values.version) {
    process.stdout.write(`${KEEL_VERSION}\n`);
    return 0;
  }
  if (!(commandName in COMMANDS)) {
    process.stderr.write(`keel: unknown command "${commandName}"\n\n${mainHelp()}`);
    return 2;
  }
  const name = commandName as CommandName;
  if (values.help) {
    process.stdout.write(positionals.length === 0 ? mainHelp() : commandHelp(name));
    return 0;
  }
  // `keys` has its own actions and options; it parses them itself once the configuration is loaded.
  const keysArguments = name === 'keys' ? argv.slice(argv.indexOf('keys') + 1) : undefined;
  const ingestArguments = name === 'ingest' ? argv.slice(argv.indexOf('ingest') + 1) : undefined;
  const jobsArguments = name === 'jobs' ? argv.slice(argv.indexOf('jobs') + 1) : undefined;
  const evalArguments = name === 'eval' ? argv.slice(argv.indexOf('eval') + 1) : undefined;
  const variantsArguments = name === 'variants' ? argv.slice(argv.indexOf('variants') + 1) : undefined;
  const portableArguments =
    name === 'export' || name === 'import' ? argv.slice(argv.indexOf(name) + 1) : undefined;
  const known = new Set(['help', 'version', ...(name === 'migrate' ? ['status', 'check'] : [])]);
  const unknown = Object.keys(values).filter((option) => !known.has(option));
  if (
    keysArguments === undefined &&
    ingestArguments === undefined &&
    jobsArguments === undefined &&
    evalArguments === undefined &&
    variantsArguments === undefined &&
    portableArguments === undefined &&
    (extra.length > 0 || unknown.length > 0)
  ) {
    const what = [...extra, ...unknown.map((option) => `--${option}`)].join(' ');
    process.stderr.write(`keel ${name}: unexpected argument ${what}\n\n${commandHelp(name)}`);
    return 2;
  }

  let config: KeelConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`keel: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  registerConfiguredSecrets(config);
  if (keysArguments !== undefined) return keysCommand(keysArguments, config);
  if (ingestArguments !== undefined) return ingestCommand(ingestArguments, config);
  if (jobsArguments !== undefined) return jobsCommand(jobsArguments, config);
  if (evalArguments !== undefined) return evalCommand(evalArguments, config);
  if (variantsArguments !== undefined) return variantsCommand(variantsArguments, config);
  if (portableArguments !== undefined)
    return name === 'export'
      ? exportCommand(portableArguments, config)
      : importCommand(portableArguments, config);
  const logger = createLogger({ level: config.logLevel });
  switch (name) {
    case 'serve':
      return serve(config, logger);
    case 'migrate':
      return migrate(
        config,
        logger,
        values.check === true ? 'check' : values.status === true ? 'status' : 'apply',
      );
    case 'worker':
      return worker(config, logger);
    case 'keys':
    case 'ingest':
    case 'jobs':
    case 'eval':
    case 'variants':
    case 'export':
    case 'import':
      return 2;
  }
}

async function serve(config: KeelConfig, logger: Logger): Promise<number> {
  // A serving process prints only through the redacting logger (decision 0128).
  routeConsoleToLogger(logger);
  const api = await startApi(config, logger);
  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      api.shutdown(signal).then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    });
  }
  return stopped;
}

async function worker(config: KeelConfig, logger: Logger): Promise<number> {
  if (config.storage.kind === 'embedded') {
    logger.warn(
      'keel worker on the embedded database: no keel serve may run on the same data directory; set DATABASE_URL to run workers beside API processes',
    );
  }
  routeConsoleToLogger(logger);
  const running = await startWorker(config, logger);
  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    });
  }
  return stopped;
}

async function migrate(
  config: KeelConfig,
  logger: Logger,
  mode: 'apply' | 'status' | 'check',
): Promise<number> {
  return runInScope(async (scope) => {
    if (mode === 'apply') {
      const { report } = await buildMigratedDatabase(scope, config, logger);
      process.stdout.write(
        report.applied.length === 0
          ? 'database is up to date\n'
          : `${report.applied.map((name) => `applied  ${name}`).join('\n')}\n`,
      );
      return 0;
    }
    const database = await buildDatabase(scope, config, logger);
    if (mode === 'check') {
      const { pending } = await migrationStatus(database.db);
      process.stdout.write(
        pending.length === 0
          ? 'database is up to date\n'
          : `${pending.length} pending: ${pending.join(', ')}\n`,
      );
      return pending.length > 0 ? 1 : 0;
    }
    const status = await migrationStatus(database.db);
    process.stdout.write(
      `${[...status.applied.map((name) => `applied  ${name}`), ...status.pending.map((name) => `pending  ${name}`)].join('\n')}\n`,
    );
    return status.pending.length > 0 ? 1 : 0;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `keel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
