import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { EventLoopLag } from './load-shedding.ts';
import { MemoryLimitStore } from './memory-limit-store.ts';

/** A lag the test sets: shedding is decided on a figure, so the test needs no busy loop and no timing. */
class PinnedLag {
  lagMs = 0;
  stop(): void {}
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: this is the lag being measured.
  }
}

describe('EventLoopLag', () => {
  let lag: EventLoopLag | undefined;
  afterEach(() => lag?.stop());

  it('reads a real figure from the start (never Infinity), and a blocked loop as how overdue it is', async () => {
    lag = new EventLoopLag(50);
    expect(lag.lagMs).toBe(0);
    blockEventLoop(300);
    // Read while the tick is still overdue: the loop has not turned since the block.
    expect(lag.lagMs).toBeGreaterThanOrEqual(200);
    expect(Number.isFinite(lag.lagMs)).toBe(true);
  });
});

describe('load shedding', () => {
  const lag = new PinnedLag();
  let app: TestApp;
  let routes: Array<{ method: string; url: string; neverShed: boolean }>;

  beforeAll(async () => {
    app = await buildTestApp({ limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 50, lag } });
    const document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-keel-scope'?: string; security?: unknown[] }>>;
    };
    routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => {
          const url = path.replace(/\{[^}]+\}/g, 'x_00000000000000000000');
          return {
            method: method.toUpperCase(),
            url,
            neverShed: ['GET', 'DELETE'].includes(method.toUpperCase()) || /\/cancel$/.test(url),
          };
        }),
    );
  });
  afterAll(async () => app?.close());
  afterEach(() => {
    lag.lagMs = 0;
  });

  it('covers the API', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((route) => route.neverShed).length).toBeGreaterThan(15);
  });

  it('refuses new work with 503 SERVICE_OVERLOADED, Retry-After and the lag while the loop lags', async () => {
    lag.lagMs = 400;
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/classify',
      payload: { text: 'hello', labels: [{ name: 'a' }] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'SERVICE_OVERLOADED',
      retryable: true,
      event_loop_lag_ms: 400,
      limit_ms: 50,
    });
    expect(response.headers['retry-after']).toBe('2');
    const shed = await app.telemetry.metrics.loadShed.get();
    expect(shed.values[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('never sheds reads, deletes, cancels, follow streams or health, on every route', async () => {
    lag.lagMs = 10_000;
    for (const route of routes) {
      // Follow streams would stay open: their refusal, if any, is decided in onRequest like the rest.
      const response = await app.app.inject({
        method: route.method as 'GET',
        url: route.url,
        headers: route.url.endsWith('/events') ? { accept: 'application/json' } : {},
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
      });
      // The OpenAI-compatible surface renders the same refusal in OpenAI's error shape.
      const shed = response.statusCode === 503 && /SERVICE_OVERLOADED|event loop lags/i.test(response.body);
      expect(shed, `${route.method} ${route.url}`).toBe(!route.neverShed);
    }
  });

  it('sheds nothing while the loop keeps up', async () => {
    lag.lagMs = 49;
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/classify',
      payload: { text: 'hello', labels: [{ name: 'a' }] },
    });
    expect(response.statusCode).toBe(200);
  });

  it('is off with a limit of 0', async () => {
    const off = await buildTestApp({
      limits: { store: new MemoryLimitStore(), maxEventLoopDelayMs: 0, lag: { lagMs: 10_000, stop() {} } },
    });
    try {
      const response = await off.app.inject({
        method: 'POST',
        url: '/v1/classify',
        payload: { text: 'hello', labels: [{ name: 'a' }] },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await off.close();
    }
  });
});
