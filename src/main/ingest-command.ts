import { glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { components, KeelClient, RetryNotice } from '../client/index.ts';
import { KeelConnectionError } from '../client/index.ts';
import type { KeelConfig } from '../config/index.ts';
import { INGEST_USAGE } from './cli-commands.ts';
import {
  CommandFailure,
  type CommandOutput,
  type Connection,
  connect,
  describeProblem,
  describeRetry,
  type HttpCommandOptions,
  noAnswer,
  parseCommandArguments,
  pause,
  probe,
  refusedForGood,
  resolveConnection,
  UsageError,
  unreachable,
} from './cli-http.ts';
import { IngestProgress } from './ingest-progress.ts';

const EXTENSIONS = new Set([
  '.pdf',
  '.docx',
  '.html',
  '.htm',
  '.xhtml',
  '.md',
  '.markdown',
  '.mdown',
  '.mkd',
  '.txt',
  '.text',
  '.json',
  '.csv',
  '.log',
]);

type Outcome = {
  readonly file: string;
  readonly status: 'ready' | 'duplicate' | 'failed' | 'accepted';
  readonly detail: string;
};

/** An uploaded file whose ingestion is still running. */
interface Pending {
  readonly file: string;
  readonly documentId: string;
  /** The collection held these bytes before this run: report `duplicate` once it is ready. */
  readonly duplicate: boolean;
}

type Document = components['schemas']['Document'];

/** `keel ingest ...`: returns the exit code (0 no file failed, 1 some failed, 2 usage). */
export async function ingestCommand(
  argv: readonly string[],
  config: KeelConfig,
  output: CommandOutput = process,
  options: HttpCommandOptions = {},
): Promise<number> {
  let parsed: ReturnType<typeof parseIngestArguments>;
  try {
    parsed = parseIngestArguments(argv, config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.stderr.write(`keel ingest: ${error.message}\n\nUsage: ${INGEST_USAGE}\n`);
    return 2;
  }
  const { connection } = parsed;
  const files = await expandPaths(parsed.patterns);
  if (files.length === 0) {
    output.stderr.write('keel ingest: no supported files match (PDF, DOCX, HTML, Markdown, text, JSON)\n');
    return 1;
  }
  const progress = new IngestProgress(output.stderr, files.length);
  // What the retry notices of the request in flight say: an upload retried after a broken connection may
  // have been stored by its first try, so a "duplicate" answer is most likely this run's own upload.
  const current = { retried: false };
  const onRetry = (notice: RetryNotice) => {
    current.retried ||= !/^\d/.test(notice.reason);
    progress.note(describeRetry(notice));
  };
  const unavailable = await probe(connection, options, onRetry);
  if (unavailable !== undefined) {
    output.stderr.write(`keel ingest: ${unavailable}\n`);
    return 1;
  }
  const client = connect(connection, options, onRetry);
  let collectionId: string;
  try {
    collectionId = await ensureCollection(client, parsed.collection);
  } catch (error) {
    output.stderr.write(`keel ingest: ${failureText(error, connection)}\n`);
    return 1;
  }

  const outcomes: Outcome[] = [];
  const pending: Pending[] = [];
  let stopped: string | undefined;
  for (const file of files) {
    if (stopped !== undefined) {
      outcomes.push({ file, status: 'failed', detail: `not uploaded: ${stopped}` });
      progress.finished();
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      outcomes.push({ file, status: 'failed', detail: `cannot read the file: ${(error as Error).message}` });
      progress.finished();
      continue;
    }
    progress.uploading(file, bytes.byteLength);
    const form = new FormData();
    if (parsed.metadata !== undefined) form.append('metadata', parsed.metadata);
    form.append('file', new Blob([new Uint8Array(bytes)]), path.basename(file));
    current.retried = false;
    try {
      const { data, error, response } = await client.POST('/v1/collections/{collectionId}/documents/upload', {
        params: { path: { collectionId } },
        body: {} as never,
        bodySerializer: () => form,
      });
      if (data) {
        // 200: the bytes were there already (unless this run's own first try stored them); 202 with
        // `duplicate` is a document that had failed, queued again: ingested now, not a duplicate.
        const duplicate = response.status === 200 && data.duplicate && !current.retried;
        const settled = settledOutcome(file, data.document, duplicate);
        if (response.status === 200 && settled) {
          outcomes.push(settled);
          progress.finished();
        } else {
          pending.push({ file, documentId: data.document.id, duplicate });
        }
      } else {
        const reason = describeProblem(error, response);
        outcomes.push({ file, status: 'failed', detail: reason });
        progress.finished();
        if (refusedForGood(response)) stopped = `Keel kept refusing uploads (${reason})`;
      }
    } catch (error) {
      if (!(error instanceof KeelConnectionError)) throw error;
      outcomes.push({ file, status: 'failed', detail: failureText(error, connection) });
      progress.finished();
      stopped = `Keel stopped answering (${error.code})`;
    }
  }
  if (parsed.wait) outcomes.push(...(await waitForIngestion(client, connection, pending, progress, options)));
  else {
    for (const entry of pending) {
      outcomes.push({ file: entry.file, status: 'accepted', detail: entry.documentId });
      progress.finished();
    }
  }
  progress.done();
  outcomes.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
  for (const outcome of outcomes) {
    output.stdout.write(
      `${outcome.status.padEnd(9)} ${outcome.file}${outcome.detail ? `  ${outcome.detail}` : ''}\n`,
    );
  }
  const count = (status: Outcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  const failed = count('failed');
  output.stdout.write(
    `${files.length} file${files.length === 1 ? '' : 's'}: ${parsed.wait ? `${count('ready')} ready` : `${count('accepted')} accepted`}, ${count('duplicate')} duplicate, ${failed} failed (collection ${parsed.collection}, ${collectionId})\n`,
  );
  if (stopped !== undefined)
    output.stderr.write(
      `keel ingest: stopped uploading: ${stopped}. Run the same command again later: files already in the collection are skipped.\n`,
    );
  return failed > 0 ? 1 : 0;
}

function parseIngestArguments(argv: readonly string[], config: KeelConfig) {
  const { values, positionals } = parseCommandArguments(argv, {
    collection: { type: 'string' },
    metadata: { type: 'string' },
    'no-wait': { type: 'boolean' },
  });
  if (positionals.length === 0) throw new UsageError('give at least one file, directory or glob');
  const metadata = values.metadata as string | undefined;
  if (metadata !== undefined) {
    let object: unknown;
    try {
      object = JSON.parse(metadata);
    } catch {
      throw new UsageError('--metadata must be a JSON object');
    }
    if (!object || typeof object !== 'object' || Array.isArray(object))
      throw new UsageError('--metadata must be a JSON object');
  }
  return {
    patterns: positionals,
    collection: (values.collection as string | undefined) ?? 'default',
    metadata,
    connection: resolveConnection(values, config),
    wait: values['no-wait'] !== true,
  };
}

/** The collection's id, created when missing (a replayed create that gets 409 finds it by name). */
async function ensureCollection(client: KeelClient, name: string): Promise<string> {
  const find = async () => {
    const { data, error, response } = await client.GET('/v1/collections', { params: { query: { name } } });
    if (!data) throw new CommandFailure(`cannot list collections: ${describeProblem(error, response)}`);
    return data.items.find((collection) => collection.name === name)?.id;
  };
  const found = await find();
  if (found !== undefined) return found;
  const { data, error, response } = await client.POST('/v1/collections', { body: { name } });
  if (data) return data.id;
  if (response.status === 409) {
    const existing = await find();
    if (existing !== undefined) return existing;
  }
  throw new CommandFailure(`cannot create collection "${name}": ${describeProblem(error, response)}`);
}

function settledOutcome(file: string, document: Document, duplicate: boolean): Outcome | undefined {
  if (document.status === 'ready')
    return duplicate
      ? { file, status: 'duplicate', detail: 'already in the collection' }
      : { file, status: 'ready', detail: `${document.chunk_count} chunks` };
  if (document.status === 'failed')
    return {
      file,
      status: 'failed',
      detail: `${document.error?.code ?? 'failed'}: ${document.error?.detail ?? ''}`.trim(),
    };
  return undefined;
}

function failureText(error: unknown, connection: Connection): string {
  if (error instanceof CommandFailure) return error.message;
  if (error instanceof KeelConnectionError) return noAnswer(connection, error);
  throw error;
}

/** Files named, found under directories (recursively) or matched by globs, supported types only, sorted. */
export async function expandPaths(patterns: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const info = await stat(pattern).catch(() => undefined);
    if (info?.isFile()) found.add(path.resolve(pattern));
    else if (info?.isDirectory()) {
      for await (const entry of glob('**/*', { cwd: pattern })) {
        const file = path.resolve(pattern, entry);
        if (EXTENSIONS.has(path.extname(file).toLowerCase()) && (await stat(file)).isFile()) found.add(file);
      }
    } else {
      for await (const entry of glob(pattern)) {
        const file = path.resolve(entry);
        if (EXTENSIONS.has(path.extname(file).toLowerCase()) && (await stat(file)).isFile()) found.add(file);
      }
    }
  }
  return [...found].sort();
}

async function waitForIngestion(
  client: KeelClient,
  connection: Connection,
  pending: readonly Pending[],
  progress: IngestProgress,
  options: HttpCommandOptions,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const waiting = [...pending];
  while (waiting.length > 0) {
    const entry = waiting[0] as Pending;
    let document: components['schemas']['DocumentDetails'];
    try {
      const { data, error, response } = await client.GET('/v1/documents/{documentId}', {
        params: { path: { documentId: entry.documentId }, query: { chunk_limit: 0 } },
      });
      if (!data) {
        outcomes.push({
          file: entry.file,
          status: 'failed',
          detail: `cannot read ${entry.documentId}: ${describeProblem(error, response)}`,
        });
        waiting.shift();
        progress.finished();
        continue;
      }
      document = data;
    } catch (error) {
      if (!(error instanceof KeelConnectionError)) throw error;
      // Keel went away for longer than the retry bound: what it accepted may still be ingested later.
      for (const lost of waiting.splice(0)) {
        outcomes.push({
          file: lost.file,
          status: 'failed',
          detail: `accepted as ${lost.documentId}, but ${unreachable(connection, error)}; its ingestion may still finish`,
        });
        progress.finished();
      }
      break;
    }
    const settled = settledOutcome(entry.file, document, entry.duplicate);
    if (settled) {
      outcomes.push(settled);
      waiting.shift();
      progress.finished();
      continue;
    }
    progress.working(entry.file, document.progress);
    await pause(options.pollIntervalMs ?? 250);
  }
  return outcomes;
}
