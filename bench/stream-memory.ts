/**
 * P3's memory per open stream, measured on the heap rather than RSS: each target (the bare fetch relay,
 * `keel serve` in the bench's production configuration) runs under the inspector; after a warm-up the
 * bench forces two full collections, reads `process.memoryUsage()` and takes a heap snapshot, opens N
 * streamed `POST /v1/generate` against the fake upstream (a token every 2 s, so every stream stays open),
 * waits until each has its first token, and does the same again. It prints the heap growth per open
 * stream and, from the two snapshots, the objects added per stream by constructor (count and self size).
 * RSS per stream over a 500 MB baseline moves with every collection; this figure does not.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BENCH_ADMIN_KEY, keelBenchEnvironment } from './support/keel-target.ts';
import { startBaseline, urlFromLine } from './support/local-servers.ts';
import { type BenchOptions, rejectUnknownOptions } from './support/options.ts';
import { freePort } from './support/ports.ts';
import { type ChildHandle, spawnNode, stopAllChildren, waitForLine } from './support/processes.ts';
import { waitForHttpOk } from './support/wait-http.ts';

export const description =
  'P3: heap per open SSE stream (forced GC, heap snapshots) of keel serve vs the bare fetch relay, by constructor';
export const optionsHelp = {
  targets: 'relay,keel (default both)',
  streams: 'streams held open when measuring (default 500)',
  top: 'constructors listed per target (default 25)',
  keep: 'a directory to keep the heap snapshots in (default: deleted)',
};

const ROOT = path.resolve(import.meta.dirname, '..');
const MODEL = 'fake-model';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** The few DevTools protocol calls the bench needs, over the inspector's WebSocket. */
class Inspector {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (message: { result?: unknown }) => void>();
  #nextId = 1;
  #chunks: string[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: unknown;
      };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
      else if (message.method === 'HeapProfiler.addHeapSnapshotChunk')
        this.#chunks.push(message.params?.chunk ?? '');
    };
  }

  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return new Inspector(socket);
  }

  send(method: string, params: object = {}): Promise<{ result?: unknown }> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async heapUsedAfterGc(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const answer = await this.send('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    });
    return (answer.result as { result: { value: number } }).result.value;
  }

  async snapshot(file: string): Promise<void> {
    this.#chunks = [];
    await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    await writeFile(file, this.#chunks.join(''));
    this.#chunks = [];
  }

  close(): void {
    this.#socket.close();
  }
}

interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count by constructor (objects, closures) or by kind (strings, arrays, code...). */
function byConstructor(file: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshotFile;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { count: number; bytes: number }>();
  for (let index = 0; index < snapshot.nodes.length; index += width) {
    const type = types[snapshot.nodes[index + typeAt] ?? 0] ?? '';
    const name = snapshot.strings[snapshot.nodes[index + nameAt] ?? 0] ?? '';
    let key: string;
    if (type === 'object') key = name;
    else if (type === 'closure') key = `(closure) ${name}`;
    else if (type.includes('string')) key = `(${type})`;
    else if (type === 'code' || type === 'number') key = `(${type})`;
    else key = `(${type}) ${name.slice(0, 50)}`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += snapshot.nodes[index + sizeAt] ?? 0;
    groups.set(key, group);
  }
  return groups;
}

function openStream(url: string, body: string, onFirst: () => void): http.ClientRequest {
  const request = http.request(
    new URL(`${url}/v1/generate`),
    {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${BENCH_ADMIN_KEY}`,
      },
    },
    (response) => {
      let first = false;
      response.setEncoding('latin1');
      response.on('data', (chunk: string) => {
        if (!first && chunk.includes('text-delta')) {
          first = true;
          onFirst();
        }
      });
      response.on('error', () => {});
    },
  );
  request.on('error', () => {});
  request.end(body);
  return request;
}

async function startTarget(
  id: string,
  upstreamUrl: string,
  dir: string,
): Promise<{ handle: ChildHandle; url: string }> {
  const inspect = '--inspect=127.0.0.1:0';
  if (id === 'relay') {
    return startBaseline({
      name: 'relay',
      script: path.join(ROOT, 'bench/support/sse-relay.ts'),
      upstreamUrl,
      model: MODEL,
      nodeFlags: [inspect],
    });
  }
  const port = await freePort();
  const handle = spawnNode({
    name: 'keel',
    nodeArgs: [inspect, path.join(ROOT, 'src/main/cli.ts'), 'serve'],
    cwd: dir,
    env: keelBenchEnvironment({
      port,
      upstreamUrl,
      model: MODEL,
      storage: 'embedded',
      extra: { KEEL_EMBEDDINGS: 'off' },
    }),
    stdout: { file: path.join(dir, 'keel.log') },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttpOk(`${url}/readyz`, handle, 180_000);
  return { handle, url };
}

async function measure(
  id: string,
  upstreamUrl: string,
  streams: number,
  top: number,
  dir: string,
): Promise<void> {
  const { handle, url } = await startTarget(id, upstreamUrl, dir);
  const inspectorUrl = /ws:\/\/\S+/.exec(handle.stderrTail())?.[0];
  if (inspectorUrl === undefined) throw new Error(`${id}: no inspector address on stderr`);
  const inspector = await Inspector.connect(inspectorUrl);
  // Warm-up: short streams to their end, so what is loaded or compiled on first use is in the baseline.
  const warm = JSON.stringify({ user_input: 'warm up', max_tokens: 16 });
  for (let round = 0; round < 2; round += 1) {
    await Promise.all(
      Array.from(
        { length: 200 },
        () => new Promise<void>((resolve) => openStream(url, warm, () => {}).on('close', () => resolve())),
      ),
    );
  }
  await sleep(2000);
  const before = await inspector.heapUsedAfterGc();
  const empty = path.join(dir, `${id}-0.heapsnapshot`);
  await inspector.snapshot(empty);
  const body = JSON.stringify({
    user_input: Array.from({ length: 400 }, (_, index) => `w${index % 100}`).join(' '),
    max_tokens: 4096,
  });
  let firsts = 0;
  const requests: http.ClientRequest[] = [];
  for (let index = 0; index < streams; index += 1) {
    requests.push(openStream(url, body, () => (firsts += 1)));
    if (index % 10 === 9) await sleep(100);
  }
  const deadline = Date.now() + 120_000;
  while (firsts < streams && Date.now() < deadline) await sleep(200);
  await sleep(3000);
  const after = await inspector.heapUsedAfterGc();
  const full = path.join(dir, `${id}-${streams}.heapsnapshot`);
  await inspector.snapshot(full);
  for (const request of requests) request.destroy();
  inspector.close();
  await handle.stop();

  console.log(
    `\n${id}: ${firsts} of ${streams} streams open; heap ${(before / 1048576).toFixed(1)} -> ${(after / 1048576).toFixed(1)} MB after GC: ${((after - before) / streams / 1024).toFixed(1)} KB per open stream`,
  );
  const emptyGroups = byConstructor(empty);
  const fullGroups = byConstructor(full);
  const rows = [...fullGroups.entries()].map(([key, group]) => ({
    key,
    bytes: (group.bytes - (emptyGroups.get(key)?.bytes ?? 0)) / streams,
    count: (group.count - (emptyGroups.get(key)?.count ?? 0)) / streams,
  }));
  rows.sort((left, right) => right.bytes - left.bytes);
  console.log('  bytes/stream  objects/stream  constructor');
  for (const row of rows.slice(0, top)) {
    console.log(`  ${row.bytes.toFixed(0).padStart(12)}  ${row.count.toFixed(2).padStart(14)}  ${row.key}`);
  }
}

export async function run(options: BenchOptions): Promise<void> {
  rejectUnknownOptions(options, Object.keys(optionsHelp));
  const targets = String(options.targets ?? 'relay,keel').split(',');
  const streams = Number(options.streams ?? 500);
  const top = Number(options.top ?? 25);
  const keep = typeof options.keep === 'string' ? options.keep : undefined;
  const dir = keep ?? (await mkdtemp(path.join(tmpdir(), 'keel-bench-stream-memory-')));
  try {
    const upstream = spawnNode({
      name: 'fake upstream',
      nodeArgs: [
        path.join(ROOT, 'test/fixtures/fake-openai/cli.ts'),
        '--port',
        '0',
        '--token-delay-ms',
        '2000',
      ],
      stdout: 'pipe',
    });
    const upstreamUrl = await waitForLine(upstream, urlFromLine);
    for (const id of targets) await measure(id, upstreamUrl, streams, top, dir);
  } finally {
    await stopAllChildren();
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}
