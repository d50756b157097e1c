import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: this is the lag under-pressure measures.
  }
}

describe('load shedding', () => {
  it('answers 503 SERVICE_OVERLOADED with Retry-After while the event loop lags, but keeps health public', async () => {
    app = await buildTestApp({ limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 20 } });
    expect((await app.app.inject({ method: 'GET', url: '/v1/requests' })).statusCode).toBe(200);
    // Block the loop, let the sampler (every 500 ms) observe it, then ask: retried a few times on a busy machine.
    let shed: Awaited<ReturnType<TestApp['app']['inject']>> | undefined;
    for (let attempt = 0; attempt < 10 && shed?.statusCode !== 503; attempt += 1) {
      blockEventLoop(400);
      await new Promise((resolve) => setTimeout(resolve, 550));
      shed = await app.app.inject({ method: 'GET', url: '/v1/requests' });
    }
    expect(shed?.statusCode).toBe(503);
    expect(shed?.json()).toMatchObject({ code: 'SERVICE_OVERLOADED', retryable: true });
    expect(shed?.headers['retry-after']).toBe('2');
    expect((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const shedCount = await app.telemetry.metrics.loadShed.get();
    expect(shedCount.values[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('is off with a limit of 0', async () => {
    app = await buildTestApp({ limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 0 } });
    blockEventLoop(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await app.app.inject({ method: 'GET', url: '/v1/requests' })).statusCode).toBe(200);
  });
});
