#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { environmentSchema } from '../config/environment.schema.ts';
import { ConfigError, type KeelConfig, loadConfig } from '../config/index.ts';
import { createLogger, type Logger, routeConsoleToLogger } from '../platform/logging/index.ts';
import { COMMANDS, type CommandName } from './cli-commands.ts';
import { registerConfiguredSecrets } from './secrets.ts';
import { KEEL_VERSION } from './version.ts';

// Each command is imported when it runs, not before (decision 0201): `keel --help`, `--version` and a usage
// error load no command, and a short command (`keys`, `jobs`, `ingest`) loads its own modules, not the API's.

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
  if (keysArguments !== undefined)
    return (await import('./keys-command.ts')).keysCommand(keysArguments, config);
  if (ingestArguments !== undefined)
    return (await import('./ingest-command.ts')).ingestCommand(ingestArguments, config);
  if (jobsArguments !== undefined)
    return (await import('./jobs-command.ts')).jobsCommand(jobsArguments, config);
  if (evalArguments !== undefined)
    return (await import('./eval-command.ts')).evalCommand(evalArguments, config);
  if (variantsArguments !== undefined)
    return (await import('./variants-command.ts')).variantsCommand(variantsArguments, config);
  if (portableArguments !== undefined) {
    const portable = await import('./export-command.ts');
    return name === 'export'
      ? portable.exportCommand(portableArguments, config)
      : portable.importCommand(portableArguments, config);
  }
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
  const { startApi } = await import('./api.ts');
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
  const { startWorker } = await import('./worker.ts');
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
  const [{ migrationStatus }, { buildDatabase, buildMigratedDatabase }, { runInScope }] = await Promise.all([
    import('../platform/db/index.ts'),
    import('./database-builder.ts'),
    import('./resource-scope.ts'),
  ]);
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
