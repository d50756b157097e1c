import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { corruptPdfBytes, pdfBytes } from '../../test/fixtures/documents/pdf.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../../test/support/documents-app.ts';
import { type KeelConfig, loadConfig } from '../config/index.ts';
import type { CommandOutput } from './cli-http.ts';
import { ingestCommand } from './ingest-command.ts';

/**
 * `keel ingest` against a real Keel (the app factory with in-memory adapters, on loopback) behind a busy
 * front: a small proxy that refuses chosen uploads with 503 or 429 (Retry-After) a few times, loses the
 * answer of one stored upload by resetting the connection, refuses document polls now and then, or
 * refuses one file for good. Every file must be accounted for in the summary, with the right exit code,
 * and nothing may escape as a stack trace. Waits go through a recorded no-op sleep: nothing really waits.
 */

/** What the front does with the n-th upload of a file (by name); past the list it forwards. */
type Behaviour = 'forward' | 'refuse-503' | 'refuse-429' | 'lose-answer' | 'reset';

let keel: DocumentsTestApp;
let keelUrl: string;
let front: http.Server;
let frontUrl: string;
let plan = new Map<string, Behaviour[]>();
let refuseAllUploadsOf: string | undefined;
let refusePollsEvery = 0;
let seen: string[] = [];
let directory: string;
let config: KeelConfig;

async function forward(request: http.IncomingMessage, body: Buffer): Promise<Response> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
      headers.set(name, value);
  }
  return fetch(`${keelUrl}${request.url}`, {
    method: request.method ?? 'GET',
    headers,
    ...(body.byteLength > 0 ? { body: new Uint8Array(body) } : {}),
  });
}

async function relay(upstream: Response, response: http.ServerResponse): Promise<void> {
  const bytes = Buffer.from(await upstream.arrayBuffer());
  response.writeHead(upstream.status, {
    'content-type': upstream.headers.get('content-type') ?? 'application/json',
    'content-length': String(bytes.byteLength),
  });
  response.end(bytes);
}

function refuse(response: http.ServerResponse, status: 503 | 429): void {
  const code = status === 503 ? 'SERVICE_OVERLOADED' : 'LIMIT_REQUESTS_EXCEEDED';
  response.writeHead(status, { 'content-type': 'application/problem+json', 'retry-after': '2' });
  response.end(
    JSON.stringify({ status, code, title: code, detail: 'busy, come back later', retryable: true }),
  );
}

let polls = 0;
async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const file = /filename="([^"]+)"/.exec(body.toString('latin1'))?.[1];
  if (file !== undefined) {
    seen.push(file);
    if (file === refuseAllUploadsOf) return refuse(response, 503);
    const behaviour = plan.get(file)?.shift() ?? 'forward';
    if (behaviour === 'refuse-503') return refuse(response, 503);
    if (behaviour === 'refuse-429') return refuse(response, 429);
    if (behaviour === 'reset') {
      request.socket.destroy();
      return;
    }
    const upstream = await forward(request, body);
    // Keel stored the upload, but its answer never reaches the client.
    if (behaviour === 'lose-answer') {
      await upstream.arrayBuffer();
      request.socket.destroy();
      return;
    }
    return relay(upstream, response);
  }
  if (request.url?.startsWith('/v1/documents/') && refusePollsEvery > 0 && ++polls % refusePollsEvery === 0)
    return refuse(response, 503);
  return relay(await forward(request, body), response);
}

function capture(): CommandOutput & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    out: () => out,
    err: () => err,
  };
}

async function ingest(folder: string, collection: string, ...extra: string[]) {
  const output = capture();
  const slept: number[] = [];
  const code = await ingestCommand(
    [folder, '--collection', collection, '--url', frontUrl, ...extra],
    config,
    output,
    {
      pollIntervalMs: 5,
      sleep: async (ms) => {
        slept.push(ms);
      },
    },
  );
  const lines = output.out().trim().split('\n');
  return { code, stdout: output.out(), stderr: output.err(), lines, slept };
}

async function folderOf(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const folder = path.join(directory, name);
  await mkdir(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(folder, file), content);
  return folder;
}

beforeAll(async () => {
  keel = await buildDocumentsTestApp({ embeddingModel: null });
  keelUrl = await keel.app.app.listen({ host: '127.0.0.1', port: 0 });
  front = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  directory = await mkdtemp(path.join(tmpdir(), 'keel-ingest-'));
  config = await loadConfig({ environment: {}, cwd: directory });
});

afterAll(async () => {
  front?.closeAllConnections();
  await new Promise((resolve) => front?.close(resolve));
  await keel?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

beforeEach(() => {
  plan = new Map();
  refuseAllUploadsOf = undefined;
  refusePollsEvery = 0;
  seen = [];
  polls = 0;
});

describe('keel ingest against a busy Keel', () => {
  it('retries refused and reset uploads and accounts for every file; exit 1 only for the broken one', async () => {
    const folder = await folderOf('busy', {
      'a.md': '# Anchors\n\nDrop the anchor in sand.',
      'b.txt': 'The bilge pump keeps the hull dry.',
      'c.md': '# Charts\n\nRead the chart before leaving port.',
      'd.pdf': corruptPdfBytes(),
      'e.md': '# Engines\n\nCheck the oil every morning.',
      'f.md': '# Engines\n\nCheck the oil every morning.',
      'g.pdf': pdfBytes([['Galley fires are put out with a blanket.']]),
      'h.txt': 'Halyards raise the sails.',
    });
    plan.set('a.md', ['refuse-503', 'refuse-503']);
    plan.set('b.txt', ['refuse-429']);
    plan.set('c.md', ['lose-answer']);
    plan.set('g.pdf', ['reset', 'refuse-503']);
    plan.set('h.txt', ['refuse-429', 'refuse-503', 'refuse-429']);
    refusePollsEvery = 3;

    const run = await ingest(folder, 'busy');
    expect(run.code, run.stderr).toBe(1);
    const status = (file: string) =>
      run.lines.find((line) => line.includes(`${path.sep}${file}`))?.split(/\s+/)[0];
    expect(
      Object.fromEntries(
        ['a.md', 'b.txt', 'c.md', 'd.pdf', 'e.md', 'f.md', 'g.pdf', 'h.txt'].map((file) => [
          file,
          status(file),
        ]),
      ),
    ).toEqual({
      'a.md': 'ready',
      'b.txt': 'ready',
      // Its first try was stored and the answer lost: the retry's "duplicate" is this run's own upload.
      'c.md': 'ready',
      'd.pdf': 'failed',
      'e.md': 'ready',
      // The same bytes as e.md.
      'f.md': 'duplicate',
      'g.pdf': 'ready',
      'h.txt': 'ready',
    });
    expect(run.stdout).toMatch(/^failed\s+\S+d\.pdf\s+DOCUMENTS_PARSE_FAILED: /m);
    expect(run.stdout).toMatch(
      /^8 files: 6 ready, 1 duplicate, 1 failed \(collection busy, col_[0-9a-f]{20}\)$/m,
    );
    // Each refusal was waited out as Retry-After asked (2 s); each reset with a short backoff.
    expect(run.slept.filter((ms) => ms >= 2000).length).toBeGreaterThanOrEqual(2 + 1 + 1 + 3);
    expect(seen.filter((file) => file === 'a.md')).toHaveLength(3);
    expect(seen.filter((file) => file === 'h.txt')).toHaveLength(4);
    // Without a terminal, each retry is a line on stderr, saying why and what comes next.
    expect(run.stderr).toContain('Keel is busy (503 SERVICE_OVERLOADED); POST /v1/collections/');
    expect(run.stderr).toMatch(/again in 2\.0 s \(attempt 2 of 8\)/);
    expect(run.stderr).not.toMatch(/\n\s+at /);

    // A second run finds everything there (f.md too): all duplicates but the broken file, which fails again.
    const again = await ingest(folder, 'busy');
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^8 files: 0 ready, 7 duplicate, 1 failed/m);
  });

  it('exits 0 when every file gets in, however often Keel refused first', async () => {
    const folder = await folderOf('fine', { 'one.md': '# One\n\nFirst.', 'two.md': '# Two\n\nSecond.' });
    plan.set('one.md', ['refuse-503', 'refuse-429', 'refuse-503']);
    plan.set('two.md', ['reset']);
    const run = await ingest(folder, 'fine');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^2 files: 2 ready, 0 duplicate, 0 failed/m);
  });

  it('gives up on a file Keel refuses for good, reports the rest as not uploaded, and says how to go on', async () => {
    const folder = await folderOf('stubborn', {
      '1-first.md': '# First\n\nIn.',
      '2-refused.md': '# Refused\n\nNever in.',
      '3-third.md': '# Third\n\nNot sent.',
      '4-fourth.md': '# Fourth\n\nNot sent.',
    });
    refuseAllUploadsOf = '2-refused.md';
    const run = await ingest(folder, 'stubborn', '--max-attempts', '3');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ready\s+\S+1-first\.md/m);
    expect(run.stdout).toMatch(
      /^failed\s+\S+2-refused\.md\s+SERVICE_OVERLOADED: busy, come back later \(gave up after 3 attempts in \d+\.\d s\)$/m,
    );
    expect(run.stdout).toMatch(/^failed\s+\S+3-third\.md\s+not uploaded: Keel kept refusing uploads/m);
    expect(run.stdout).toMatch(/^failed\s+\S+4-fourth\.md\s+not uploaded: Keel kept refusing uploads/m);
    expect(run.stdout).toMatch(/^4 files: 1 ready, 0 duplicate, 3 failed/m);
    expect(seen.filter((file) => file === '2-refused.md')).toHaveLength(3);
    expect(seen).not.toContain('3-third.md');
    expect(run.stderr).toContain('keel ingest: stopped uploading: Keel kept refusing uploads');
    expect(run.stderr).toContain('Run the same command again later');
  });

  it('reports the files it could not send when Keel stops answering, without a stack trace', async () => {
    const folder = await folderOf('gone', { 'x.md': '# X\n\nGone.', 'y.md': '# Y\n\nGone too.' });
    plan.set('x.md', ['reset', 'reset', 'reset']);
    const run = await ingest(folder, 'gone', '--max-attempts', '3');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^failed\\s+\\S+x\\.md\\s+no Keel answers at ${frontUrl.replaceAll('.', '\\.')} \\(from --url\\): (ECONNRESET|UND_ERR_SOCKET); check --url$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/^failed\s+\S+y\.md\s+not uploaded: Keel stopped answering/m);
    expect(run.stdout).toMatch(/^2 files: 0 ready, 0 duplicate, 2 failed/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
