import { glob, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { KeelConfig } from '../config/index.ts';
import { IngestProgress } from './ingest-progress.ts';

export const INGEST_USAGE =
  'keel ingest <path or glob>... [--collection <name>] [--metadata <json>] [--url <keel url>] [--key <api key>] [--no-wait]';

export const INGEST_DETAILS = `Uploads files (PDF, DOCX, HTML, Markdown, text, JSON) to a running Keel and waits while it ingests them, with a progress bar on stderr. Directories are read recursively; globs ("docs/**/*.md") are expanded. The collection (default "default") is created when missing. Each file succeeds or fails on its own: a file Keel cannot read is reported with its problem code and the rest go on; the same bytes again are skipped as duplicates. Exit code 0 when every file is ready, 1 when some failed. --url defaults to http://HOST:PORT from the environment, --key to KEEL_ADMIN_KEY (a key with documents:read and documents:write also works).`;

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

class UsageError extends Error {}

interface Outcome {
  readonly file: string;
  readonly status: 'ready' | 'duplicate' | 'failed';
  readonly detail?: string;
}

/** `keel ingest ...`: returns the exit code (0 all ready, 1 some failed, 2 usage). */
export async function ingestCommand(argv: readonly string[], config: KeelConfig): Promise<number> {
  let parsed: ReturnType<typeof parseIngestArguments>;
  try {
    parsed = parseIngestArguments(argv, config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`keel ingest: ${error.message}\n\nUsage: ${INGEST_USAGE}\n`);
    return 2;
  }
  const files = await expandPaths(parsed.patterns);
  if (files.length === 0) {
    process.stderr.write('keel ingest: no supported files match (PDF, DOCX, HTML, Markdown, text, JSON)\n');
    return 1;
  }
  const client = new KeelClient(parsed.url, parsed.key);
  try {
    await client.request('GET', '/healthz');
  } catch {
    process.stderr.write(
      `keel ingest: no Keel answers at ${parsed.url}; start it (npm start) or pass --url\n`,
    );
    return 1;
  }
  const collectionId = await client.collectionId(parsed.collection);
  const progress = new IngestProgress(process.stderr, files.length);
  const outcomes: Outcome[] = [];
  const pending = new Map<string, string>();
  for (const file of files) {
    const bytes = await readFile(file);
    progress.uploading(file, bytes.byteLength);
    const form = new FormData();
    if (parsed.metadata !== undefined) form.append('metadata', parsed.metadata);
    form.append('file', new Blob([bytes]), path.basename(file));
    const response = await client.raw('POST', `/v1/collections/${collectionId}/documents/upload`, form);
    const body = (await response.json()) as {
      document?: { id: string; status: string };
      code?: string;
      detail?: string;
    };
    if (response.status === 202 && body.document) pending.set(body.document.id, file);
    else if (response.status === 200 && body.document) {
      outcomes.push({
        file,
        status: 'duplicate',
        detail: `already in the collection (${body.document.status})`,
      });
      progress.finished();
    } else {
      outcomes.push({
        file,
        status: 'failed',
        detail: `${body.code ?? response.status}: ${body.detail ?? ''}`.trim(),
      });
      progress.finished();
    }
  }
  if (parsed.wait) outcomes.push(...(await waitForIngestion(client, pending, progress)));
  progress.done();
  for (const outcome of outcomes) {
    process.stdout.write(
      `${outcome.status.padEnd(9)} ${outcome.file}${outcome.detail ? `  ${outcome.detail}` : ''}\n`,
    );
  }
  const failed = outcomes.filter((outcome) => outcome.status === 'failed').length;
  const count = (status: Outcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  process.stdout.write(
    `${parsed.wait ? `${count('ready')} ready, ` : `${pending.size} accepted, `}${count('duplicate')} duplicate, ${failed} failed (collection ${parsed.collection}, ${collectionId})\n`,
  );
  return failed > 0 ? 1 : 0;
}

function parseIngestArguments(argv: readonly string[], config: KeelConfig) {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        collection: { type: 'string' },
        metadata: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        'no-wait': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
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
  const host = ['0.0.0.0', '::', '[::]'].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  const url = (
    (values.url as string | undefined) ??
    `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`
  ).replace(/\/+$/, '');
  return {
    patterns: positionals,
    collection: (values.collection as string | undefined) ?? 'default',
    metadata,
    url,
    key: (values.key as string | undefined) ?? config.auth.adminKey,
    wait: values['no-wait'] !== true,
  };
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
  pending: Map<string, string>,
  progress: IngestProgress,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  while (pending.size > 0) {
    for (const [id, file] of [...pending]) {
      const document = (await client.request('GET', `/v1/documents/${id}?chunkLimit=0`)) as {
        status: string;
        progress: { step: string; completed: number; total: number } | null;
        error: { code: string; detail: string } | null;
        chunkCount: number;
      };
      if (document.status === 'ready') {
        outcomes.push({ file, status: 'ready', detail: `${document.chunkCount} chunks` });
        pending.delete(id);
        progress.finished();
      } else if (document.status === 'failed') {
        outcomes.push({
          file,
          status: 'failed',
          detail: `${document.error?.code}: ${document.error?.detail}`,
        });
        pending.delete(id);
        progress.finished();
      } else {
        progress.working(file, document.progress);
        break;
      }
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return outcomes;
}

class KeelClient {
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, key: string | undefined) {
    this.#url = url;
    this.#headers = key ? { authorization: `Bearer ${key}` } : {};
  }

  raw(method: string, route: string, body?: FormData | string): Promise<Response> {
    return fetch(`${this.#url}${route}`, {
      method,
      headers:
        typeof body === 'string' ? { ...this.#headers, 'content-type': 'application/json' } : this.#headers,
      ...(body === undefined ? {} : { body }),
    });
  }

  async request(method: string, route: string, body?: unknown): Promise<unknown> {
    const response = await this.raw(method, route, body === undefined ? undefined : JSON.stringify(body));
    const parsed = (await response.json()) as { code?: string; detail?: string };
    if (!response.ok)
      throw new Error(
        `${method} ${route}: ${response.status} ${parsed.code ?? ''} ${parsed.detail ?? ''}`.trim(),
      );
    return parsed;
  }

  async collectionId(name: string): Promise<string> {
    const found = (await this.request('GET', `/v1/collections?name=${encodeURIComponent(name)}`)) as {
      items: Array<{ id: string }>;
    };
    if (found.items[0]) return found.items[0].id;
    return ((await this.request('POST', '/v1/collections', { name })) as { id: string }).id;
  }
}
