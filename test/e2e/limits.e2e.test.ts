import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { redisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { requires } from '../support/tiers.ts';

/**
 * Limits hold across API processes: two real `keel serve` processes sharing one Redis count one key's
 * requests and open streams together, whichever process a request lands on.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-limits-e2e-0123';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

async function pair(
  environment: Record<string, string>,
): Promise<{ processes: KeelProcess[]; stop(): Promise<void> }> {
  const directory = await temporaryDirectory();
  const shared = {
    KEEL_DATA_DIR: 'memory://',
    KEEL_ADMIN_KEY: ADMIN_KEY,
    REDIS_URL: redisUrl ?? '',
    KEEL_REDIS_PREFIX: uniqueRedisPrefix(),
    LOG_LEVEL: 'info',
    ...environment,
  };
  const started = await Promise.allSettled([
    startKeel(shared, directory.path),
    startKeel(shared, directory.path),
  ]);
  const processes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (processes.length < started.length) {
    await Promise.all(processes.map((process) => process.stop()));
    await directory.remove();
    throw new Error(
      `a keel process did not start: ${started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok')).join('; ')}`,
    );
  }
  return {
    processes,
    async stop() {
      await Promise.all(processes.map((process) => process.stop()));
      await directory.remove();
    },
  };
}

describe('limits across two API processes sharing Redis', requires('redis'), () => {
  describe('requests per minute', () => {
    let keel: Awaited<ReturnType<typeof pair>>;
    beforeAll(async () => {
      keel = await pair({ KEEL_LIMIT_REQUESTS_PER_MINUTE: '10' });
    });
    afterAll(async () => keel?.stop());

    it('admits 10 requests a minute in total, not 10 per process', async () => {
      const [a, b] = keel.processes;
      const responses = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          fetch(`${(index % 2 === 0 ? a : b)?.url}/v1/requests`, { headers: auth }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(14);
      const refused = responses.find((response) => response.status === 429);
      expect(refused?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused?.headers.get('ratelimit-limit')).toBe('10');
      expect(((await refused?.json()) as { code?: string } | undefined)?.code).toBe(
        'LIMIT_REQUESTS_EXCEEDED',
      );
      // Both processes refused some: the count really is shared.
      const refusedBy = new Set(
        responses.flatMap((response, index) => (response.status === 429 ? [index % 2] : [])),
      );
      expect(refusedBy.size).toBe(2);
    });

    it('reports Redis in /readyz', async () => {
      const ready = await (await fetch(`${keel.processes[0]?.url}/readyz`)).json();
      expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'redis', ok: true }));
    });
  });

  describe('concurrent streams on the OpenAI-compatible streaming route', () => {
    let upstream: FakeOpenAI;
    let keel: Awaited<ReturnType<typeof pair>>;
    beforeAll(async () => {
      upstream = await startFakeOpenAI({ tokenDelayMs: 100, reply: () => 'word '.repeat(200).trim() });
      keel = await pair({
        KEEL_LIMIT_CONCURRENT_STREAMS: '2',
        OPENAI_BASE_URL: upstream.url,
        KEEL_MODEL: 'fake-model',
      });
    });
    afterAll(async () => {
      await keel?.stop();
      await upstream?.close();
    });

    it('holds the key to 2 open streams across both processes and frees a slot when a client leaves', async () => {
      const [a, b] = keel.processes;
      const controllers: AbortController[] = [];
      const open = async (process: KeelProcess | undefined) => {
        const controller = new AbortController();
        controllers.push(controller);
        const response = await fetch(`${process?.url}/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'default',
            stream: true,
            messages: [{ role: 'user', content: 'talk' }],
          }),
          signal: controller.signal,
        });
        if (response.status === 200) await response.body?.getReader().read();
        return response;
      };
      try {
        expect((await open(a)).status).toBe(200);
        expect((await open(b)).status).toBe(200);
        for (const process of [a, b]) {
          const refused = await open(process);
          expect(refused.status).toBe(429);
          expect((await refused.json()).error.code).toBe('LIMIT_STREAMS_EXCEEDED');
        }
        controllers[0]?.abort();
        await expect.poll(async () => (await open(b)).status, { timeout: 10_000 }).toBe(200);
      } finally {
        for (const controller of controllers) controller.abort();
      }
    });
  });
});
