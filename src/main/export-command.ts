import { once } from 'node:events';
import { constants, createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { KeelConfig } from '../config/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { EXPORT_USAGE, IMPORT_USAGE } from './cli-commands.ts';
import { buildDatabase, buildMigratedDatabase } from './database-builder.ts';
import { exportPortable, importPortable, PortableFileError } from './portable-file.ts';
import { runInScope } from './resource-scope.ts';
import { KEEL_VERSION } from './version.ts';

class UsageError extends Error {}

function quietLogger() {
  // Logs go to stderr: stdout may carry the export itself.
  return createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
}

/** `keel export ...`: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function exportCommand(argv: readonly string[], config: KeelConfig): Promise<number> {
  let output: string;
  let tenant: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { output: { type: 'string', short: 'o' }, tenant: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals.join(' ')}`);
    if (values.output === undefined || values.output === '') throw new UsageError('--output is required');
    output = values.output;
    tenant = values.tenant;
  } catch (error) {
    return usage('export', EXPORT_USAGE, error);
  }
  return runInScope(async (scope) => {
    const database = await buildDatabase(scope, config, quietLogger());
    const stream: WriteStream | NodeJS.WriteStream =
      output === '-' ? process.stdout : createWriteStream(output, { flags: 'wx' });
    try {
      if (stream !== process.stdout) await once(stream, 'open');
      const write = async (line: string) => {
        if (!stream.write(line)) await once(stream, 'drain');
      };
      const trailer = await exportPortable(database.db, write, {
        keelVersion: KEEL_VERSION,
        ...(tenant !== undefined ? { tenant } : {}),
      });
      if (stream !== process.stdout) {
        await new Promise<void>((resolve, reject) =>
          stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        process.stderr.write(`keel export: wrote ${output}: ${describeCounts(trailer.rows)}\n`);
      }
      return 0;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') {
        process.stderr.write(`keel export: ${output} already exists; choose another file\n`);
        return 1;
      }
      throw error;
    }
  });
}

/** `keel import <file>`: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function importCommand(argv: readonly string[], config: KeelConfig): Promise<number> {
  let file: string;
  try {
    const { positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('give exactly one file');
    file = positionals[0] as string;
  } catch (error) {
    return usage('import', IMPORT_USAGE, error);
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    await access(file, constants.R_OK);
  } catch (error) {
    process.stderr.write(`keel import: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  return runInScope(async (scope) => {
    const { database } = await buildMigratedDatabase(scope, config, quietLogger());
    try {
      const input = createReadStream(file);
      // The iterator must exist before anything is awaited: readline emits lines as soon as it is created,
      // and lines emitted before its async iterator is attached are lost (the import then saw an empty file,
      // or waited forever).
      const iterator = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })[
        Symbol.asyncIterator
      ]();
      const lines: AsyncIterable<string> = { [Symbol.asyncIterator]: () => iterator };
      const report = await importPortable(database.db, lines).finally(() => input.destroy());
      process.stdout.write(`${JSON.stringify(report)}\n`);
      const unsupported = Object.entries(report.unsupported);
      if (unsupported.length > 0)
        process.stderr.write(
          `keel import: not imported, the target lacks their table (${describeCounts(report.unsupported)}); without pgvector, search runs lexically\n`,
        );
      return 0;
    } catch (error) {
      if (error instanceof PortableFileError) {
        process.stderr.write(`keel import: ${file}: ${error.message}; nothing was imported\n`);
        return 1;
      }
      throw error;
    }
  });
}

function usage(name: string, text: string, error: unknown): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`keel ${name}: ${(error as Error).message}\n\nUsage: ${text}\n`);
    return 2;
  }
  throw error;
}

function describeCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([table, count]) => `${count} ${table}`)
    .join(', ');
}
