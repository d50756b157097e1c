import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flakyAttempts, jobTestCapabilities, stepRuns } from '../../../test/fixtures/job-capabilities.ts';
import { memoryJobs } from '../../../test/support/jobs.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { generateCapability } from '../capabilities/index.ts';

type Json = Record<string, unknown>;

async function create(app: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}) {
  return app.app.inject({ method: 'POST', url, payload: payload as Json, headers });
}

async function finished(app: TestApp, id: string, headers: Record<string, string> = {}): Promise<Json> {
  let job: Json = {};
  await expect
    .poll(
      async () => {
        job = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers })).json();
        return job.status;
      },
      { timeout: 10_000, interval: 20 },
    )
    .toMatch(/^(succeeded|failed|cancelled)$/);
  return job;
}

async function events(app: TestApp, id: string): Promise<Json[]> {
  // The stream ends after the terminal event, so inject returns the whole replay.
  const response = await app.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });
  expect(response.statusCode).toBe(200);
  return response.body
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice(6)) as Json);
}

describe('jobs API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ capabilities: [generateCapability, ...jobTestCapabilities] });
  });
  afterAll(async () => app?.close());

  it('runs a capability as a job: 202 with links, then the result and an ordered event history', async () => {
    const response = await create(app, '/v1/echo/jobs', { text: 'hello' }, { 'x-request-id': 'enqueue-1' });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(response.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      capability: 'echo',
      status: 'queued',
      attempts: 0,
      max_attempts: 2,
      input: { text: 'hello', delayMs: 0 },
      request_id: 'enqueue-1',
      links: { events: `/v1/jobs/${job.id}/events`, websocket: `/v1/jobs/${job.id}/ws` },
    });
    const done = await finished(app, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, result: { echo: 'hello' }, error: null });
    expect(done.started_at).toEqual(expect.any(String));
    expect(done.finished_at).toEqual(expect.any(String));
    expect((await events(app, job.id)).map((event) => [event.id, event.type, event.data])).toEqual([
      [1, 'job-queued', { capability: 'echo', max_attempts: 2 }],
      [2, 'job-started', { attempt: 1 }],
      [3, 'job-succeeded', { attempt: 1, result: { echo: 'hello' } }],
    ]);
  });

  it('runs a job from POST /v1/jobs and lists it', async () => {
    const response = await create(app, '/v1/jobs', { capability: 'echo', input: { text: 'generic' } });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    await finished(app, job.id);
    const page = (
      await app.app.inject({ method: 'GET', url: '/v1/jobs?capability=echo&status=succeeded&limit=200' })
    ).json();
    expect(page.items.map((item: Json) => item.id)).toContain(job.id);
  });

  it('validates the input when the job is created, not when it runs', async () => {
    const before = (await app.app.inject({ method: 'GET', url: '/v1/jobs?limit=200' })).json().items.length;
    const direct = await create(app, '/v1/echo/jobs', { text: '' });
    expect(direct.statusCode).toBe(400);
    expect(direct.json()).toMatchObject({
      code: 'REQUEST_VALIDATION_FAILED',
      errors: [expect.objectContaining({ pointer: '/body/text' })],
    });
    const generic = await create(app, '/v1/jobs', { capability: 'echo', input: { text: 'x', extra: 1 } });
    expect(generic.statusCode).toBe(400);
    expect(generic.json().errors).toContainEqual(expect.objectContaining({ pointer: '/body/input' }));
    const unknown = await create(app, '/v1/jobs', { capability: 'nope', input: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'JOB_CAPABILITY_UNKNOWN',
      errors: [{ pointer: '/body/capability' }],
    });
    expect((await app.app.inject({ method: 'GET', url: '/v1/jobs?limit=200' })).json().items).toHaveLength(
      before,
    );
  });

  it('answers the same job for a repeated Idempotency-Key and body, and 409 for another body', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await create(
      app,
      '/v1/jobs',
      { capability: 'echo', input: { text: 'once', delayMs: 0 } },
      headers,
    );
    // Same request, keys in another order.
    const again = await create(
      app,
      '/v1/jobs',
      { input: { delayMs: 0, text: 'once' }, capability: 'echo' },
      headers,
    );
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await create(app, '/v1/jobs', { capability: 'echo', input: { text: 'twice' } }, headers);
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'JOB_IDEMPOTENCY_KEY_REUSED', job_id: first.json().id });
    const direct = await create(app, '/v1/echo/jobs', { text: 'once' }, { 'idempotency-key': 'order-43' });
    const directAgain = await create(
      app,
      '/v1/echo/jobs',
      { text: 'once' },
      { 'idempotency-key': 'order-43' },
    );
    expect(directAgain.json().id).toBe(direct.json().id);
  });

  it('retries a retryable failure with backoff, each attempt in the events', async () => {
    const job = (await create(app, '/v1/flaky/jobs', { failures: 2 })).json();
    const done = await finished(app, job.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 3, result: { attempts: 3 } });
    expect(flakyAttempts.get(job.id)).toBe(3);
    const history = await events(app, job.id);
    expect(history.filter((event) => event.type === 'job-requeued').map((event) => event.data)).toEqual([
      expect.objectContaining({
        reason: 'attempt-failed',
        attempt: 1,
        error: expect.objectContaining({ code: 'GATEWAY_UPSTREAM_ERROR' }),
      }),
      expect.objectContaining({ reason: 'attempt-failed', attempt: 2 }),
    ]);
    expect(history.map((event) => event.id)).toEqual(history.map((_, index) => index + 1));
  });

  it('fails a non-retryable error at once into the dead-letter list, and retries it from there', async () => {
    const job = (await create(app, '/v1/flaky/jobs', { failures: 1, retryable: false })).json();
    const failed = await finished(app, job.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'GATEWAY_REQUEST_REJECTED', retryable: false },
    });
    const deadLetter = (
      await app.app.inject({ method: 'GET', url: '/v1/jobs?status=failed&limit=200' })
    ).json();
    expect(deadLetter.items.map((item: Json) => item.id)).toContain(job.id);
    const retried = await app.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({ status: 'queued', attempts: 0, error: null });
    expect(await finished(app, job.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    const again = await app.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'JOB_NOT_RETRYABLE', job_status: 'succeeded' });
  });

  it('times out an attempt that runs too long, retries it, then dead-letters it with JOB_TIMED_OUT', async () => {
    const job = (await create(app, '/v1/slow/jobs', {})).json();
    const failed = await finished(app, job.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 2,
      timeout_ms: 150,
      error: { code: 'JOB_TIMED_OUT', retryable: true, details: { timeout_ms: 150 } },
    });
    const history = await events(app, job.id);
    expect(history.map((event) => event.type)).toEqual([
      'job-queued',
      'job-started',
      'job-requeued',
      'job-started',
      'job-failed',
    ]);
  });

  it('publishes what a capability emits (progress, deltas) as ordered job events', async () => {
    const job = (await create(app, '/v1/emitter/jobs', { words: ['a', 'keel', 'keeps'] })).json();
    expect(await finished(app, job.id)).toMatchObject({
      status: 'succeeded',
      result: { text: 'a keel keeps' },
    });
    const history = await events(app, job.id);
    expect(history.map((event) => event.type)).toEqual([
      'job-queued',
      'job-started',
      'text-delta',
      'job-progress',
      'text-delta',
      'job-progress',
      'text-delta',
      'job-progress',
      'object-delta',
      'job-succeeded',
    ]);
    expect(
      history
        .filter((event) => event.type === 'text-delta')
        .map((event) => (event.data as Json).delta)
        .join(''),
    ).toBe('a keel keeps');
    expect(history.find((event) => event.type === 'job-progress')?.data).toEqual({
      fraction: 1 / 3,
      message: 'word 1',
    });
  });

  it('journals workflow steps: a redelivered job skips the steps that succeeded', async () => {
    const response = await create(app, '/v1/research/jobs', { topic: 'keels', failAfterRead: true });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    const done = await finished(app, job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { sources: ['keels-a', 'keels-b'], confidence: 1 },
    });
    for (const step of ['gather', 'read', 'assess']) expect(stepRuns.get(`${job.id}:${step}`)).toBe(1);
    const steps = (await events(app, job.id))
      .filter((event) => String(event.type).startsWith('step-'))
      .map((event) => [event.type, (event.data as Json).step]);
    expect(steps).toEqual([
      ['step-started', 'gather'],
      ['step-succeeded', 'gather'],
      ['step-started', 'read'],
      ['step-succeeded', 'read'],
      ['step-skipped', 'gather'],
      ['step-skipped', 'read'],
      ['step-started', 'assess'],
      ['step-succeeded', 'assess'],
    ]);
  });

  it('serves a workflow only as a job', async () => {
    const sync = await create(app, '/v1/research', { topic: 'x' });
    expect(sync.statusCode).toBe(404);
  });

  it('answers 404 for a job that does not exist, and 409 when cancelling a finished one', async () => {
    const missing = await app.app.inject({
      method: 'GET',
      url: '/v1/jobs/00000000-0000-4000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('JOB_NOT_FOUND');
    const stream = await app.app.inject({
      method: 'GET',
      url: '/v1/jobs/00000000-0000-4000-8000-000000000000/events',
    });
    expect(stream.statusCode).toBe(404);
    const job = (await create(app, '/v1/echo/jobs', { text: 'done' })).json();
    await finished(app, job.id);
    const cancel = await app.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json()).toMatchObject({ code: 'JOB_ALREADY_FINISHED', job_status: 'succeeded' });
  });

  it('answers 426 to a plain GET of the WebSocket route', async () => {
    const job = (await create(app, '/v1/echo/jobs', { text: 'ws' })).json();
    const response = await app.app.inject({ method: 'GET', url: `/v1/jobs/${job.id}/ws` });
    expect(response.statusCode).toBe(426);
    expect(response.json().code).toBe('JOB_WEBSOCKET_UPGRADE_REQUIRED');
  });
});

describe('jobs API without workers in the process', () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  it('cancels a queued job at once; the job never runs', async () => {
    app = await buildTestApp({ capabilities: jobTestCapabilities, jobs: memoryJobs({ runWorkers: false }) });
    const job = (await create(app, '/v1/echo/jobs', { text: 'never' })).json();
    const cancelled = await app.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', attempts: 0 });
    const again = await app.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(again.statusCode).toBe(200);
    expect((await events(app, job.id)).map((event) => event.type)).toEqual(['job-queued', 'job-cancelled']);
  });
});

describe('jobs and tenants', () => {
  const ADMIN = 'keel-admin-key-for-tests-0123456789';
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp({ capabilities: jobTestCapabilities, adminKey: ADMIN });
  });
  afterAll(async () => app?.close());

  async function keyFor(tenantId: string, scopes: string[]) {
    const { token } = await app.keys.create({ name: `${tenantId}-key`, tenantId, scopes });
    return { authorization: `Bearer ${token}` };
  }

  it("never lets one tenant see, follow, cancel or retry another tenant's job", async () => {
    const a = await keyFor('tenant-a', ['jobs:read', 'jobs:write', 'capability:echo']);
    const b = await keyFor('tenant-b', ['jobs:read', 'jobs:write', 'capability:echo']);
    const job = (await create(app, '/v1/echo/jobs', { text: 'secret', delayMs: 0 }, a)).json();
    await finished(app, job.id, a);
    for (const [method, url] of [
      ['GET', `/v1/jobs/${job.id}`],
      ['GET', `/v1/jobs/${job.id}/events`],
      ['GET', `/v1/jobs/${job.id}/ws`],
      ['GET', `/v1/jobs/${job.id}/webhook-deliveries`],
      ['POST', `/v1/jobs/${job.id}/cancel`],
      ['POST', `/v1/jobs/${job.id}/retry`],
    ] as const) {
      const response = await app.app.inject({ method, url, headers: b });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const list = (await app.app.inject({ method: 'GET', url: '/v1/jobs', headers: b })).json();
    expect(list.items).toEqual([]);
  });

  it("requires the capability's scope on POST /v1/jobs as on its own route", async () => {
    const jobsOnly = await keyFor('tenant-a', ['jobs:write', 'jobs:read']);
    const generic = await create(app, '/v1/jobs', { capability: 'echo', input: { text: 'x' } }, jobsOnly);
    expect(generic.statusCode).toBe(403);
    expect(generic.json()).toMatchObject({ code: 'AUTH_SCOPE_MISSING', required_scope: 'capability:echo' });
    const direct = await create(app, '/v1/echo/jobs', { text: 'x' }, jobsOnly);
    expect(direct.statusCode).toBe(403);
  });
});
