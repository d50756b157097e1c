import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMixedCorpus } from '../fixtures/documents/mixed-corpus.ts';
import { type KeelProcess, runKeel, startKeel, temporaryDirectory, track } from '../support/keel-process.ts';

/**
 * P8 as behaviour, not timing: a real `keel serve` (embedded, the local embedder on) ingesting a folder of
 * mixed files while another process keeps the second core busy still answers status reads, cancels and
 * readiness (none refused), and `keel ingest` accounts for every file. Latency figures are the bench's
 * (`npm run bench -- isolation`), never asserted here.
 */
describe('isolation of the API from ingestion', () => {
  let directory: { path: string; remove(): Promise<void> };
  let keel: KeelProcess;
  let files: number;
  const adminKey = 'isolation-e2e-admin-key-0123456789';
  let spinner: ChildProcess | undefined;

  beforeAll(async () => {
    directory = await temporaryDirectory();
    const corpus = path.join(directory.path, 'corpus');
    await mkdir(corpus);
    files = (await writeMixedCorpus(corpus, 60_000)).length;
    // It embeds the corpus with the local embedder: its WebAssembly earns the optimising compiler back.
    keel = await startKeel({ KEEL_DATA_DIR: 'memory://', KEEL_ADMIN_KEY: adminKey }, directory.path, {
      optimisedWebAssembly: true,
    });
  }, 120_000);

  afterAll(async () => {
    spinner?.kill('SIGKILL');
    await keel?.stop();
    await directory?.remove();
  });

  it('answers reads and cancels while ingesting, and ingests every file', async () => {
    const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const classify = JSON.stringify({
      text: 'refund me please',
      labels: [{ name: 'billing' }, { name: 'bug' }],
    });
    // New work may be refused while the loop is busy (503 with Retry-After): a good client waits and resends.
    const submit = async (): Promise<string> => {
      for (;;) {
        const response = await fetch(`${keel.url}/v1/classify/jobs`, {
          method: 'POST',
          headers,
          body: classify,
        });
        if (response.status !== 503 && response.status !== 429) {
          expect(response.status).toBe(202);
          return ((await response.json()) as { id: string }).id;
        }
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    const readId = await submit();
    // The other core is kept busy while the ingestion runs, not while the file sets up.
    spinner = track(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));

    let ingesting = true;
    const statuses: Array<{ what: string; status: number }> = [];
    const probe = (async () => {
      while (ingesting) {
        const cancelId = await submit();
        for (const [what, request] of [
          ['readyz', () => fetch(`${keel.url}/readyz`)],
          ['job status', () => fetch(`${keel.url}/v1/jobs/${readId}`, { headers })],
          [
            'job cancel',
            () =>
              fetch(`${keel.url}/v1/jobs/${cancelId}/cancel`, {
                method: 'POST',
                headers: { authorization: headers.authorization },
              }),
          ],
          ['documents', () => fetch(`${keel.url}/v1/collections`, { headers })],
        ] as const) {
          const response = await request();
          await response.arrayBuffer();
          statuses.push({ what, status: response.status });
        }
      }
    })();

    const run = await runKeel([
      'ingest',
      path.join(directory.path, 'corpus'),
      '--collection',
      'handbook',
      '--url',
      keel.url,
      '--key',
      adminKey,
    ]);
    ingesting = false;
    spinner.kill('SIGKILL');
    await probe;

    expect(run.code, run.stderr).toBe(0);
    const listing = (await (await fetch(`${keel.url}/v1/collections`, { headers })).json()) as {
      items: Array<{ name: string; documents: { ready: number; failed: number; queued: number } }>;
    };
    const handbook = listing.items.find((item) => item.name === 'handbook');
    expect(handbook?.documents).toMatchObject({ ready: files, failed: 0, queued: 0 });

    expect(statuses.length).toBeGreaterThan(4);
    const refused = statuses.filter(({ status }) => status === 503 || status === 429);
    expect(refused, JSON.stringify(refused.slice(0, 5))).toEqual([]);
    // A cancel answers 200 (cancelled), 202 (asked of the running attempt) or 409 (already ended): never an error.
    for (const { what, status } of statuses) {
      expect([200, 202, 409], `${what} answered ${status}`).toContain(status);
      if (what !== 'job cancel') expect(status, what).toBe(200);
    }
  }, 240_000);
});
