import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { type KeelWorkerProcess, startKeelWorker } from '../support/keel-worker.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { redisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from '../support/round-robin-proxy.ts';
import { requires } from '../support/tiers.ts';

/**
 * Scaled mode end to end (issue 11): 2 `keel serve` and 2 `keel worker` processes on one PostgreSQL and
 * one Redis, behind a round-robin proxy on loopback. Capabilities, documents and search, shared limits,
 * and jobs streamed over SSE go through the proxy; a job created through one API process streams
 * through the other. Then one API process and one worker are killed with SIGKILL while jobs run and
 * their SSE clients are connected: the clients reconnect with `Last-Event-ID` and every job reaches its
 * terminal event, each client having seen every event exactly once.
 */

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/jobs.keel.config.ts');
const ADMIN_KEY = 'keel-admin-key-for-the-scale-out-e2e-01';
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const TERMINAL = new Set(['job-succeeded', 'job-failed', 'job-cancelled']);
const CHAOS_JOBS = 24;

interface StreamedEvent {
  id: number;
  type: string;
}

interface FollowedJob {
  readonly events: StreamedEvent[];
  connections: number;
  readonly done: Promise<void>;
}

/**
 * A minimal EventSource: reads `id:` / `event:` lines, and on any break before the terminal event
 * reconnects after `retry` with `Last-Event-ID`, as a browser would.
 */
function follow(baseUrl: string, jobId: string, token: string): FollowedJob {
  const state: FollowedJob = { events: [], connections: 0, done: Promise.resolve() };
  const run = async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const last = state.events.at(-1)?.id;
      state.connections += 1;
      try {
        const response = await fetch(`${baseUrl}/v1/jobs/${jobId}/events`, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            ...(last !== undefined ? { 'last-event-id': String(last) } : {}),
          },
        });
        if (response.status !== 200 || !response.body) throw new Error(`status ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        let id: number | undefined;
        let type: string | undefined;
        for await (const chunk of response.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            const line = buffer.slice(0, newline).replace(/\r$/, '');
            buffer = buffer.slice(newline + 1);
            if (line.startsWith('id:')) id = Number(line.slice(3).trim());
            else if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line === '') {
              if (type !== undefined && id !== undefined) state.events.push({ id, type });
              id = undefined;
              type = undefined;
            }
            newline = buffer.indexOf('\n');
          }
        }
      } catch {
        // A connection cut by the killed process: reconnect below.
      }
      const lastType = state.events.at(-1)?.type;
      if (lastType !== undefined && TERMINAL.has(lastType)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return Object.assign(state, { done: run() });
}

describe(
  'scale-out: 2 API processes and 2 workers on PostgreSQL and Redis, behind a proxy',
  requires('postgres', 'redis'),
  () => {
    let temporary: TemporaryDatabase;
    let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
    let upstream: FakeOpenAI;
    let proxy: RoundRobinProxy;
    let client: pg.Client;
    const apis: KeelProcess[] = [];
    const workers: KeelWorkerProcess[] = [];
    let token = '';
    let auth: Record<string, string> = {};

    beforeAll(async () => {
      [temporary, directory, upstream] = await Promise.all([
        createTemporaryDatabase(),
        temporaryDirectory(),
        startFakeOpenAI({ tokenDelayMs: 2, reply: () => 'A keel keeps a boat upright.' }),
      ]);
      const environment = {
        KEEL_CONFIG: CONFIG,
        DATABASE_URL: temporary.url,
        REDIS_URL: redisUrl ?? '',
        KEEL_REDIS_PREFIX: uniqueRedisPrefix(),
        KEEL_ADMIN_KEY: ADMIN_KEY,
        OPENAI_BASE_URL: upstream.url,
        KEEL_MODEL: 'fake-model',
        KEEL_EMBEDDINGS: 'off',
        KEEL_API_WORKERS: 'off',
        KEEL_JOB_LEASE_MS: '1500',
        KEEL_WORKER_CONCURRENCY: '4',
        // Shedding on a loaded 2-core CI machine would turn this test into a coin toss.
        KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
        LOG_LEVEL: 'info',
      };
      // All four start at once on an empty database: migrations run once (ADR 0100).
      const started = await Promise.allSettled([
        startKeel(environment, directory.path),
        startKeel(environment, directory.path),
        startKeelWorker(environment, directory.path),
        startKeelWorker(environment, directory.path),
      ]);
      for (const result of started.slice(0, 2))
        if (result.status === 'fulfilled') apis.push(result.value as KeelProcess);
      for (const result of started.slice(2))
        if (result.status === 'fulfilled') workers.push(result.value as KeelWorkerProcess);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      proxy = await startRoundRobinProxy(apis.map((api) => api.url));
      client = new pg.Client({ connectionString: temporary.url });
      await client.connect();

      const created = await fetch(`${proxy.url}/v1/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: 'scale-out',
          tenant_id: 'fleet',
          scopes: ['capability:*', 'documents:read', 'documents:write', 'jobs:read', 'jobs:write'],
        }),
      });
      expect(created.status).toBe(201);
      token = ((await created.json()) as { token: string }).token;
      auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      // Four processes start at once; on a loaded 2-core machine that alone can take most of a minute.
    }, 90_000);

    afterAll(async () => {
      await Promise.all([...apis.map((api) => api.stop()), ...workers.map((worker) => worker.stop())]);
      await proxy?.close();
      await client?.end();
      await upstream?.close();
      await temporary?.drop();
      await directory?.remove();
    });

    it('reports PostgreSQL and Redis in /readyz of every process', async () => {
      for (const api of apis) {
        const ready = (await (await fetch(`${api.url}/readyz`)).json()) as {
          checks: Array<{ name: string; ok: boolean }>;
        };
        expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'redis', ok: true }));
        expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'database', ok: true }));
      }
    });

    it('serves capabilities through the proxy from both API processes', async () => {
      const before = [...proxy.served.values()];
      for (let index = 0; index < 4; index += 1) {
        const response = await fetch(`${proxy.url}/v1/generate`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ user_input: `question ${index}` }),
        });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { answer: string }).answer).toBe('A keel keeps a boat upright.');
      }
      const after = [...proxy.served.values()];
      expect(after.every((count, index) => count > (before[index] ?? 0))).toBe(true);
    });

    it('ingests a document on a worker and searches it through either process', async () => {
      const collection = await fetch(`${proxy.url}/v1/collections`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'rigging' }),
      });
      expect(collection.status).toBe(201);
      const collectionId = ((await collection.json()) as { id: string }).id;
      const added = await fetch(`${proxy.url}/v1/collections/${collectionId}/documents`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          title: 'Keels',
          media_type: 'text/plain',
          text: 'A fin keel resists leeway. A bilge keel lets a boat dry out upright on a falling tide.',
        }),
      });
      expect(added.status).toBe(202);
      const documentId = ((await added.json()) as { document: { id: string } }).document.id;
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${proxy.url}/v1/documents/${documentId}`, { headers: auth })).json()) as {
                status: string;
              }
            ).status,
          { timeout: 20_000, interval: 100 },
        )
        .toBe('ready');
      for (const api of apis) {
        const search = await fetch(`${api.url}/v1/search`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ query: 'bilge keel tide', collection_ids: [collectionId] }),
        });
        expect(search.status).toBe(200);
        const results = ((await search.json()) as { results: Array<{ document_id: string }> }).results;
        expect(results[0]?.document_id).toBe(documentId);
      }
    });

    it('holds a key to its request limit across both processes', async () => {
      const limited = await fetch(`${proxy.url}/v1/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: 'limited',
          tenant_id: 'fleet',
          scopes: ['jobs:read'],
          limits: { requests_per_minute: 6 },
        }),
      });
      const limitedToken = ((await limited.json()) as { token: string }).token;
      const statuses: number[] = [];
      for (let index = 0; index < 12; index += 1) {
        const response = await fetch(`${proxy.url}/v1/jobs`, {
          headers: { authorization: `Bearer ${limitedToken}` },
        });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
      expect(statuses.filter((status) => status === 200)).toHaveLength(6);
      expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    });

    it('streams a job created through one API process from the other', async () => {
      const [a, b] = apis;
      const created = await fetch(`${a?.url}/v1/emitter/jobs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ words: ['fin', 'bilge', 'full', 'lifting'] }),
      });
      expect(created.status).toBe(202);
      const jobId = ((await created.json()) as { id: string }).id;
      const followed = follow(b?.url ?? '', jobId, token);
      await followed.done;
      expect(followed.events.map((event) => event.id)).toEqual(followed.events.map((_, index) => index + 1));
      expect(followed.events.filter((event) => event.type === 'text-delta')).toHaveLength(4);
      expect(followed.events.at(-1)?.type).toBe('job-succeeded');
    });

    it('loses nothing when one API process and one worker are killed mid-run', {
      timeout: 60_000,
    }, async () => {
      const jobIds: string[] = [];
      for (let index = 0; index < CHAOS_JOBS; index += 1) {
        const response = await fetch(`${proxy.url}/v1/emitter/jobs`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ words: Array.from({ length: 40 }, (_, word) => `w${index}-${word}`) }),
        });
        expect(response.status).toBe(202);
        jobIds.push(((await response.json()) as { id: string }).id);
      }
      // Every client connects through the proxy: half of them land on the API process about to die.
      const followers = jobIds.map((jobId) => follow(proxy.url, jobId, token));

      const running = async () =>
        Number(
          (await client.query<{ count: string }>(`select count(*) from job where status = 'running'`)).rows[0]
            ?.count,
        );
      await expect.poll(running, { timeout: 20_000, interval: 10 }).toBeGreaterThan(0);
      const [doomedApi] = apis;
      const [doomedWorker] = workers;
      const runningAtKill = await running();
      await Promise.all([doomedApi?.child.kill('SIGKILL'), doomedWorker?.child.kill('SIGKILL')]);
      expect(await doomedApi?.exited).toBeNull();
      expect(await doomedWorker?.exited).toBeNull();

      await Promise.all(followers.map((follower) => follower.done));

      const { rows } = await client.query<{ status: string; count: string }>(
        `select status, count(*) from job where id = any($1::uuid[]) group by status`,
        [jobIds],
      );
      expect(Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]))).toEqual({
        succeeded: CHAOS_JOBS,
      });
      for (const [index, follower] of followers.entries()) {
        const ids = follower.events.map((event) => event.id);
        // Every event exactly once, in order, across however many connections it took.
        expect(ids, `job ${jobIds[index]}`).toEqual(ids.map((_, position) => position + 1));
        expect(follower.events.at(-1)?.type).toBe('job-succeeded');
        const { rows: stored } = await client.query<{ max: number }>(
          'select max(seq) as max from job_event where job_id = $1',
          [jobIds[index]],
        );
        expect(ids.length).toBe(stored[0]?.max);
      }
      const reconnected = followers.filter((follower) => follower.connections > 1).length;
      const requeued = Number(
        (
          await client.query<{ count: string }>(
            `select count(distinct job_id) from job_event where type = 'job-requeued' and data->>'reason' = 'worker-lost' and job_id = any($1::uuid[])`,
            [jobIds],
          )
        ).rows[0]?.count,
      );
      // The kill was felt: clients of the dead API process reconnected, the dead worker's jobs came back.
      expect(reconnected).toBeGreaterThan(0);
      console.info(
        `[scale-out] killed an API process and a worker with ${runningAtKill} jobs running; ${reconnected} SSE clients reconnected, ${requeued} jobs recovered from the dead worker; all ${CHAOS_JOBS} succeeded`,
      );
    });
  },
);
