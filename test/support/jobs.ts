import { type JobSettings, MemoryJobStore } from '../../src/modules/jobs/index.ts';
import { InProcessNotifier, MemoryJobQueue } from '../../src/platform/jobs/index.ts';

/** Job settings for tests: workers in process, short polls and leases, fast webhook retries. */
export function testJobSettings(overrides: Partial<JobSettings> = {}): JobSettings {
  return {
    defaults: { attempts: 3, backoff: { initialMs: 20, maxMs: 200 }, timeoutMs: 30_000 },
    runWorkers: true,
    runner: {
      concurrency: 8,
      batchSize: 8,
      pollIntervalMs: 200,
      leaseMs: 2_000,
      shutdownGraceMs: 200,
      exclusive: true,
    },
    webhooks: {
      concurrency: 4,
      attempts: 4,
      initialBackoffMs: 20,
      maxBackoffMs: 200,
      timeoutMs: 2_000,
      pollIntervalMs: 200,
    },
    feedPollIntervalMs: 500,
    ...overrides,
  };
}

/**
 * Job settings whose webhooks may reach a receiver on this machine: deliveries to loopback are refused
 * unless allowed (KEEL_OUTBOUND_ALLOW), so tests with a local receiver opt in, as an operator would.
 */
export function loopbackWebhooks(overrides: Partial<JobSettings> = {}): Partial<JobSettings> {
  return {
    ...overrides,
    webhooks: { ...testJobSettings().webhooks, ...overrides.webhooks, allowedTargets: ['127.0.0.1'] },
  };
}

/** In-memory job adapters for the HTTP test tier. */
export function memoryJobs(overrides: Partial<JobSettings> = {}) {
  const queue = new MemoryJobQueue();
  const notifier = new InProcessNotifier();
  return {
    queue,
    notifier,
    store: new MemoryJobStore(queue, notifier),
    settings: testJobSettings(overrides),
  };
}
