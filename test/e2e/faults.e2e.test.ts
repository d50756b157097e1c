import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy, targetOf } from '../support/fault-proxy.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { type KeelWorkerProcess, startKeelWorker } from '../support/keel-worker.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { redisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { requires } from '../support/tiers.ts';

/**
 * Scaled Keel through its infrastructure's faults (issue 23): 2 API processes and a `keel worker` reach
 * PostgreSQL and Redis only through fault-injecting TCP proxies, under a steady load of job submissions
 * (with idempotency keys) and sync calls. PostgreSQL connections are cut, PostgreSQL refuses connections
 * for seconds (a restart), gets slow, and Redis goes away. Then an API process that just accepted uploads
 * is killed. At the end every process (but the killed one) is alive, no request got a 500, every 503 was
 * retryable with Retry-After, every accepted job succeeded and every accepted upload was ingested. A third
 * API process started during the PostgreSQL outage answers readyz 503 until the database is back, then
 * serves. Recovery times are printed (docs/deployment.md, "Faults and what clients see").
 */

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/jobs.keel.config.ts');
const ADMIN_KEY = 'keel-admin-key-for-the-faults-e2e-0001';
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
/** The issue's bound: service is back within this long after a dependency returns. */
const RECOVERY_BOUND_MS = 10_000;

interface Observation {
  readonly at: number;
  readonly kind: 'job' | 'sync';
  /** The API process that answered (its base URL). */
  readonly api: string;
  readonly status: number | 'network';
  readonly code?: string;
  readonly retryable?: boolean;
  readonly retryAfter?: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(
  'scaled Keel through PostgreSQL and Redis faults',
  // Without both services the suite skips, and the tier summary says which one was missing.
  requires('postgres', 'redis'),
  () => {
    let database: TemporaryDatabase;
    let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
    let pgProxy: FaultProxy;
    let redisProxy: FaultProxy;
    let environment: Record<string, string>;
    const apis: KeelProcess[] = [];
    let worker: KeelWorkerProcess | undefined;
    let auth: Record<string, string> = {};

    beforeAll(async () => {
      [database, directory] = await Promise.all([createTemporaryDatabase(), temporaryDirectory()]);
      pgProxy = await startFaultProxy(targetOf(database.url, 5432));
      redisProxy = await startFaultProxy(targetOf(redisUrl ?? '', 6379));
      environment = {
        KEEL_CONFIG: CONFIG,
        DATABASE_URL: pgProxy.urlFor(database.url),
        REDIS_URL: redisProxy.urlFor(redisUrl ?? ''),
        KEEL_REDIS_PREFIX: uniqueRedisPrefix(),
        KEEL_ADMIN_KEY: ADMIN_KEY,
        KEEL_EMBEDDINGS: 'off',
        // Every process runs job workers, so "another live process" takes over whatever a dead one accepted.
        KEEL_API_WORKERS: 'on',
        KEEL_WORKER_CONCURRENCY: '4',
        KEEL_JOB_LEASE_MS: '5000',
        KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
        LOG_LEVEL: 'info',
      };
      const started = await Promise.all([
        startKeel(environment, directory.path),
        startKeel(environment, directory.path),
        startKeelWorker(environment, directory.path),
      ]);
      apis.push(started[0], started[1]);
      worker = started[2];
      const created = await fetch(`${apis[0]?.url}/v1/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({
          name: 'faults',
          tenant_id: 'fleet',
          scopes: ['capability:*', 'documents:read', 'documents:write', 'jobs:read', 'jobs:write'],
          // A limit, so every request counts in Redis and a Redis outage is felt.
          limits: { requests_per_minute: 1_000_000 },
        }),
      });
      expect(created.status).toBe(201);
      auth = {
        authorization: `Bearer ${((await created.json()) as { token: string }).token}`,
        'content-type': 'application/json',
      };
    }, 90_000);

    afterAll(async () => {
      await Promise.all([...apis.map((api) => api.stop()), worker?.stop()]);
      await pgProxy?.close();
      await redisProxy?.close();
      await database?.drop();
      await directory?.remove();
    });

    it('never crashes, never answers 500, loses nothing, and recovers within 10 s of each fault', {
      timeout: 100_000,
    }, async () => {
      const observations: Observation[] = [];
      const accepted = new Set<string>();
      let loadRunning = true;
      let next = 0;
      const live = () => apis.filter((api) => api.child.exitCode === null && api.child.signalCode === null);
      const target = () => {
        const candidates = live();
        return candidates[next++ % candidates.length]?.url ?? '';
      };

      const observe = async (kind: Observation['kind'], api: string, route: string, init: RequestInit) => {
        const url = `${api}${route}`;
        try {
          const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
          const body = (await response.json().catch(() => ({}))) as {
            id?: string;
            code?: string;
            retryable?: boolean;
          };
          observations.push({
            at: Date.now(),
            kind,
            api,
            status: response.status,
            ...(body.code === undefined ? {} : { code: body.code }),
            ...(body.retryable === undefined ? {} : { retryable: body.retryable }),
            retryAfter: response.headers.get('retry-after'),
          });
          return { status: response.status, body };
        } catch {
          observations.push({ at: Date.now(), kind, api, status: 'network' });
          return { status: 0, body: {} };
        }
      };

      // Job submissions: each retried with its idempotency key until accepted, as a careful client does.
      const submitter = async () => {
        while (loadRunning) {
          const n = next++;
          for (;;) {
            const { status, body } = await observe('job', target(), '/v1/echo/jobs', {
              method: 'POST',
              headers: { ...auth, 'idempotency-key': `faults-${n}` },
              body: JSON.stringify({ text: `job ${n}` }),
            });
            if ((status === 202 || status === 200) && body.id) {
              accepted.add(body.id);
              break;
            }
            if (!loadRunning) break;
            await sleep(200);
          }
          await sleep(50);
        }
      };
      // Sync calls that need no database: they keep working through a PostgreSQL outage.
      const caller = async () => {
        while (loadRunning) {
          await observe('sync', target(), '/v1/echo', {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ text: 'ping' }),
          });
          await sleep(100);
        }
      };
      const load = Promise.all([submitter(), submitter(), caller()]);

      const recoveries: Record<string, number> = {};
      /**
       * How long after `since` every API process that lived through the fault accepted a job submission
       * again: each process has its own connections and reconnects on its own, so the slowest one is the
       * recovery time. (A process started during the fault has its own figure: its time to ready.)
       */
      const recoveredAfter = async (since: number, processes: readonly KeelProcess[] = live()) => {
        const deadline = since + 20_000;
        while (Date.now() < deadline) {
          const firsts = processes.map(
            (api) =>
              observations.find(
                (entry) =>
                  entry.kind === 'job' && entry.api === api.url && entry.at >= since && entry.status === 202,
              )?.at,
          );
          if (firsts.every((at) => at !== undefined)) return Math.max(...firsts) - since;
          await sleep(50);
        }
        return Number.POSITIVE_INFINITY;
      };

      await sleep(1_500);

      // 1. Every PostgreSQL connection is killed (pg_terminate_backend, a network blip).
      let restoredAt = Date.now();
      pgProxy.cut();
      recoveries['PostgreSQL connections killed'] = await recoveredAfter(restoredAt);

      // 2. PostgreSQL down for 3 s (a restart): connections cut, new ones refused. A third API process is
      //    started meanwhile; it must say "not ready" and become ready once the database is back.
      await pgProxy.refuse();
      const throughRestart = live();
      let waitingUrl: string | undefined;
      const late = startKeel(environment, directory.path, {
        onLog: (entry) => {
          if (entry.msg === 'keel is waiting for its dependencies (readyz answers 503)')
            waitingUrl = String(entry.url);
        },
      });
      await expect.poll(() => waitingUrl, { timeout: 30_000 }).toBeDefined();
      const notReady = await fetch(`${waitingUrl}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).not.toContain(
        String(targetOf(environment.DATABASE_URL ?? '', 5432).port),
      );
      const during = await fetch(`${waitingUrl}/v1/echo`, {
        method: 'POST',
        headers: auth,
        body: '{"text":"x"}',
      });
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).not.toBeNull();
      // The running processes say which dependency is down, without its address.
      const readyDuring = await fetch(`${apis[0]?.url}/readyz`);
      expect(readyDuring.status).toBe(503);
      expect(await readyDuring.text()).toContain('The database is unavailable');
      await sleep(3_000);
      await pgProxy.restore();
      restoredAt = Date.now();
      const lateApi = await late;
      recoveries['API process started during the outage: ready after'] = Date.now() - restoredAt;
      apis.push(lateApi);
      recoveries['PostgreSQL down 3 s (restart)'] = await recoveredAfter(restoredAt, throughRestart);

      // 3. A slow network to PostgreSQL (300 ms each way per chunk) for 2 s.
      pgProxy.latency(300);
      await sleep(2_000);
      pgProxy.latency(0);
      restoredAt = Date.now();
      recoveries['PostgreSQL 300 ms latency for 2 s'] = await recoveredAfter(restoredAt);

      // 4. Redis down for 2 s (connections cut, new ones refused), then back.
      await redisProxy.refuse();
      await sleep(2_000);
      await redisProxy.restore();
      restoredAt = Date.now();
      recoveries['Redis down 2 s'] = await recoveredAfter(restoredAt);

      loadRunning = false;
      await load;

      // 5. Uploads accepted by an API process that is killed at once are ingested by the others.
      const doomed = apis[0] as KeelProcess;
      const collection = (await (
        await fetch(`${doomed.url}/v1/collections`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ name: 'faults' }),
        })
      ).json()) as { id: string };
      const documentIds: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const response = await fetch(`${doomed.url}/v1/collections/${collection.id}/documents`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ text: `Lighthouse ${index} guides ships at night.` }),
        });
        expect(response.status, await response.clone().text()).toBe(202);
        documentIds.push(((await response.json()) as { document: { id: string } }).document.id);
      }
      const killedAt = Date.now();
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const survivor = apis[1] as KeelProcess;
      for (const id of documentIds) {
        await expect
          .poll(
            async () =>
              (
                (await (await fetch(`${survivor.url}/v1/documents/${id}`, { headers: auth })).json()) as {
                  status: string;
                }
              ).status,
            { timeout: 30_000, interval: 200 },
          )
          .toBe('ready');
      }
      recoveries['API process killed after accepting uploads: all ingested after'] = Date.now() - killedAt;

      // Every accepted job succeeded.
      for (const id of accepted) {
        await expect
          .poll(
            async () =>
              (
                (await (await fetch(`${survivor.url}/v1/jobs/${id}`, { headers: auth })).json()) as {
                  status: string;
                }
              ).status,
            { timeout: 30_000, interval: 200 },
          )
          .toBe('succeeded');
      }

      console.info(
        `[faults] ${accepted.size} jobs accepted, ${observations.length} requests; recovery (ms): ${JSON.stringify(recoveries)}; statuses: ${JSON.stringify(
          Object.groupBy(observations, (entry) => `${entry.kind} ${entry.status} ${entry.code ?? ''}`.trim()),
          (_key, value) => (Array.isArray(value) ? value.length : value),
        )}`,
      );

      // No 500, ever; every 503 retryable with a Retry-After.
      expect(
        observations.filter(
          (entry) => typeof entry.status === 'number' && entry.status >= 500 && entry.status !== 503,
        ),
      ).toEqual([]);
      const unavailable = observations.filter((entry) => entry.status === 503);
      expect(unavailable.filter((entry) => entry.retryable !== true || !entry.retryAfter)).toEqual([]);
      // The faults were felt, and sync calls that need no database kept succeeding through them.
      expect(unavailable.length).toBeGreaterThan(0);
      expect(
        observations.filter((entry) => entry.kind === 'sync' && entry.status === 200).length,
      ).toBeGreaterThan(0);
      for (const [fault, ms] of Object.entries(recoveries))
        expect(ms, fault).toBeLessThan(RECOVERY_BOUND_MS * 3);
      for (const fault of Object.keys(recoveries).filter(
        (name) => name.startsWith('PostgreSQL') || name.startsWith('Redis'),
      ))
        expect(recoveries[fault], fault).toBeLessThan(RECOVERY_BOUND_MS);
      // Every process is alive but the one killed on purpose.
      for (const process of [...apis.slice(1), worker]) {
        expect(process?.child.exitCode).toBeNull();
        expect(process?.child.signalCode).toBeNull();
      }
    });
  },
);
