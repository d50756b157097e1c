import { parseArgs } from 'node:util';
import pino from 'pino';
import type { KeelConfig } from '../config/index.ts';
import { JOB_STATUSES, type JobRecord, type JobRecordStore, type JobStatus } from '../modules/jobs/index.ts';
import { AppError } from '../platform/errors/index.ts';
import { DEFAULT_TENANT_ID } from '../platform/http/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { JOBS_USAGE } from './cli-commands.ts';
import { buildMigratedDatabase } from './database-builder.ts';
import { createJobDependencies } from './job-dependencies.ts';
import { runInScope } from './resource-scope.ts';

class UsageError extends Error {}

/** Where the command writes: the process's streams, or a test's buffers. */
export interface CommandOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** `keel jobs ...`: returns the exit code (0 ok, 1 failure, 2 usage). */
export async function jobsCommand(
  argv: readonly string[],
  config: KeelConfig,
  output: CommandOutput = process,
): Promise<number> {
  const { stderr } = output;
  const [action, ...rest] = argv;
  try {
    if (action !== 'list' && action !== 'show' && action !== 'retry' && action !== 'cancel') {
      throw new UsageError(action === undefined ? 'missing action' : `unknown action "${action}"`);
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        status: { type: 'string' },
        capability: { type: 'string' },
        tenant: { type: 'string' },
        limit: { type: 'string' },
        events: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (action === 'list' ? positionals.length > 0 : positionals.length !== 1) {
      throw new UsageError(action === 'list' ? 'list takes no job id' : `${action} needs exactly one job id`);
    }
    const status = values.status;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status must be one of ${JOB_STATUSES.join(', ')}`);
    }
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be 1-1000');
    const tenant = values.tenant ?? DEFAULT_TENANT_ID;
    const json = values.json === true;
    // Logs go to stderr: stdout carries the command's output.
    const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
    return await runInScope(async (scope) => {
      const { database } = await buildMigratedDatabase(scope, config, logger);
      const jobs = await createJobDependencies(scope, config, database, logger, 'cli');
      const id = positionals[0] ?? '';
      switch (action) {
        case 'list':
          return await list(
            output,
            jobs.store,
            tenant,
            { status: status as JobStatus | undefined, capability: values.capability, limit },
            json,
          );
        case 'show':
          return await show(output, jobs.store, tenant, id, values.events === true, json);
        case 'retry':
          return change(output, await jobs.store.retry(tenant, id, new Date()), id, 'retry', json);
        case 'cancel':
          return change(output, await jobs.store.cancel(tenant, id, new Date()), id, 'cancel', json);
      }
    });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      stderr.write(`keel jobs: ${(error as Error).message}\n\nUsage: ${JOBS_USAGE}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      stderr.write(`keel jobs: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function list(
  { stdout }: CommandOutput,
  store: JobRecordStore,
  tenant: string,
  query: { status: JobStatus | undefined; capability: string | undefined; limit: number },
  json: boolean,
): Promise<number> {
  const page = await store.list(tenant, {
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.capability ? { capability: query.capability } : {}),
  });
  if (json) {
    stdout.write(`${JSON.stringify(page.items.map(view), null, 2)}\n`);
    return 0;
  }
  if (page.items.length === 0) {
    stdout.write('no jobs\n');
    return 0;
  }
  const rows = page.items.map((job) => [
    job.id,
    job.status,
    job.capability,
    `${job.attempts}/${job.maxAttempts}`,
    job.createdAt.toISOString(),
    job.error?.code ?? '',
  ]);
  stdout.write(table([['id', 'status', 'capability', 'attempts', 'created', 'error'], ...rows]));
  if (page.nextCursor) stdout.write(`(more: raise --limit)\n`);
  return 0;
}

async function show(
  { stdout, stderr }: CommandOutput,
  store: JobRecordStore,
  tenant: string,
  id: string,
  withEvents: boolean,
  json: boolean,
): Promise<number> {
  const job = await store.get(tenant, id);
  if (!job) {
    stderr.write(`keel jobs: no job ${id} in tenant ${tenant}\n`);
    return 1;
  }
  const events = withEvents ? ((await store.events(tenant, id, 0, 10_000)) ?? []) : [];
  if (json) {
    stdout.write(`${JSON.stringify({ ...view(job), ...(withEvents ? { events } : {}) }, null, 2)}\n`);
    return 0;
  }
  const lines = Object.entries(view(job)).map(([key, value]) => [
    key,
    typeof value === 'object' ? JSON.stringify(value) : String(value),
  ]);
  stdout.write(table(lines));
  for (const event of events) {
    stdout.write(
      `${String(event.id).padStart(5)}  ${event.createdAt.toISOString()}  ${event.type}  ${JSON.stringify(event.data)}\n`,
    );
  }
  return 0;
}

function change(
  { stdout, stderr }: CommandOutput,
  result: { outcome: string; job: JobRecord } | undefined,
  id: string,
  action: 'retry' | 'cancel',
  json: boolean,
): number {
  if (!result) {
    stderr.write(`keel jobs: no job ${id}\n`);
    return 1;
  }
  if (json) stdout.write(`${JSON.stringify({ outcome: result.outcome, job: view(result.job) }, null, 2)}\n`);
  const refused =
    result.outcome === 'unchanged' &&
    (action === 'retry' || result.job.status === 'succeeded' || result.job.status === 'failed');
  if (!json) {
    const messages: Record<string, string> = {
      requeued: `job ${id} queued again`,
      cancelled: `job ${id} cancelled`,
      requested: `job ${id} is running: its worker was told to cancel it`,
      unchanged: refused
        ? `job ${id} is ${result.job.status}: nothing to ${action}`
        : `job ${id} is already ${result.job.status}`,
    };
    (refused ? stderr : stdout).write(`${messages[result.outcome] ?? result.outcome}\n`);
  }
  return refused ? 1 : 0;
}

function view(job: JobRecord) {
  return {
    id: job.id,
    tenant: job.tenantId,
    capability: job.capability,
    status: job.status,
    attempts: job.attempts,
    max_attempts: job.maxAttempts,
    request_id: job.requestId,
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    run_after: job.runAfter?.toISOString() ?? null,
    cancel_requested: job.cancelRequestedAt !== null,
    error: job.error,
    result: job.result,
    last_event_id: job.lastEventId,
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
