import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestCapabilities } from '../../../test/fixtures/job-capabilities.ts';
import { memoryJobs } from '../../../test/support/jobs.ts';
import { createHttpServer, type HttpPlatform } from '../../platform/http/index.ts';
import { createLogger } from '../../platform/logging/index.ts';
import { CapabilityInvoker } from '../capabilities/index.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';
import { registerJobFollowRoutes, registerJobStreamRoutes } from './job-stream.routes.ts';
import { createJobSystem, type JobSystem } from './job-system.ts';

/** A product route built on jobs (as `GET /v1/analyses/{job_id}/ws` will be) follows only its own jobs. */
describe('follow routes under another URL', () => {
  let platform: HttpPlatform;
  let jobs: JobSystem;
  beforeAll(async () => {
    const adapters = memoryJobs({ runWorkers: false });
    const logger = createLogger({ level: 'silent' });
    platform = await createHttpServer({
      logger,
      bodyLimitBytes: 1_048_576,
      corsOrigins: [],
      version: 'test',
      description: 'test',
    });
    jobs = createJobSystem({
      ...adapters,
      invoker: new CapabilityInvoker({
        models: new Gateway({ settings: emptyGatewaySettings() }),
        clock: { now: () => new Date() },
        record: () => {},
      }),
      capabilities: jobTestCapabilities,
      clock: { now: () => new Date() },
      logger,
      userAgent: 'test',
    });
    await registerJobStreamRoutes(platform.app, { service: jobs.service, feed: jobs.feed });
    registerJobFollowRoutes(platform.app, {
      service: jobs.service,
      feed: jobs.feed,
      base: '/v1/researches/:job_id',
      param: 'job_id',
      capability: 'research',
      scope: 'capability:research',
      tag: 'Research',
      operationIds: { events: 'streamResearchEvents', websocket: 'followResearchEvents' },
    });
    await platform.app.ready();
  });
  afterAll(async () => {
    await platform?.app.close();
    await jobs?.stop();
  });

  async function cancelled(capability: string, input: unknown): Promise<string> {
    const { job } = await jobs.service.create({
      tenantId: 'default',
      apiKeyId: null,
      requestId: 'request-1',
      capability,
      input,
      inputPointer: '/body',
    });
    await jobs.service.cancel('default', job.id);
    return job.id;
  }

  it("streams a research job's events under its own URL, and 404s a job of another capability", async () => {
    const research = await cancelled('research', { topic: 'hulls' });
    const response = await platform.app.inject({ method: 'GET', url: `/v1/researches/${research}/events` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('event: job-cancelled');
    const echo = await cancelled('echo', { text: 'x' });
    const other = await platform.app.inject({ method: 'GET', url: `/v1/researches/${echo}/events` });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('JOB_NOT_FOUND');
    const plain = await platform.app.inject({ method: 'GET', url: `/v1/researches/${research}/ws` });
    expect(plain.statusCode).toBe(426);
    const generic = await platform.app.inject({ method: 'GET', url: `/v1/jobs/${echo}/events` });
    expect(generic.statusCode).toBe(200);
  });
});
