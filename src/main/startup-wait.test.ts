import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from '../platform/db/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { listenWhileWaiting, openWhenReachable } from './startup-wait.ts';

const logger = createLogger({ level: 'silent' });

describe('openWhenReachable', () => {
  // Every way an unreachable dependency shows at start.
  const outages: Array<[string, () => unknown]> = [
    [
      'a refused connection',
      () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a mapped outage', () => databaseUnavailable(new Error('x'))],
    [
      'a server starting up',
      () => Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    [
      'redis, wrapped',
      () =>
        new Error('REDIS_URL: cannot connect', {
          cause: Object.assign(new Error('r'), { code: 'ECONNREFUSED' }),
        }),
    ],
  ];

  it.each(outages)('waits through %s, says it is waiting once, then returns', async (_name, outage) => {
    let calls = 0;
    let waited = 0;
    const opened = await openWhenReachable(
      async () => {
        calls += 1;
        if (calls < 3) throw outage();
        return 'open';
      },
      {
        logger,
        what: 'test',
        onWaiting: async () => {
          waited += 1;
        },
      },
    );
    expect(opened).toBe('open');
    expect(calls).toBe(3);
    expect(waited).toBe(1);
  });

  it('throws any other failure at once', async () => {
    let calls = 0;
    await expect(
      openWhenReachable(
        async () => {
          calls += 1;
          throw new Error('KEEL_MODEL: unknown provider');
        },
        { logger, what: 'test' },
      ),
    ).rejects.toThrow('unknown provider');
    expect(calls).toBe(1);
  });
});

describe('listenWhileWaiting', () => {
  it('is alive, not ready, and answers every route with a retryable 503', async () => {
    const waiting = await listenWhileWaiting({ host: '127.0.0.1', port: 0, version: 'test' });
    try {
      const health = await fetch(`${waiting.url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${waiting.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'not_ready',
        checks: [{ name: 'database', ok: false }],
      });
      for (const [method, path] of [
        ['POST', '/v1/classify'],
        ['GET', '/v1/jobs'],
        ['GET', '/nowhere'],
      ]) {
        const response = await fetch(`${waiting.url}${path}`, { method });
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('2');
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(await response.json()).toMatchObject({ code: 'SERVICE_NOT_READY', retryable: true });
      }
    } finally {
      await waiting.close();
    }
  });
});
