import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelConfig, loadConfig } from '../config/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { createApiDependencies } from './api.ts';
import { buildApp } from './build-app.ts';
import { jobsCommand } from './jobs-command.ts';

const CONFIG = path.resolve(import.meta.dirname, '../../test/fixtures/jobs.keel.config.ts');

async function configFor(directory: string, extra: Record<string, string> = {}): Promise<KeelConfig> {
  return loadConfig({
    environment: {
      KEEL_CONFIG: CONFIG,
      KEEL_DATA_DIR: path.join(directory, 'data'),
      LOG_LEVEL: 'silent',
      KEEL_EMBEDDINGS: 'off',
      KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
      ...extra,
    },
    cwd: directory,
  });
}

/** Runs `keel jobs ...` in this process and captures what it prints. */
async function keelJobs(argv: string[], config: KeelConfig) {
  let stdout = '';
  let stderr = '';
  const code = await jobsCommand(argv, config, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('keel jobs on the embedded database', () => {
  let directory: string;
  let config: KeelConfig;
  let failedId: string;
  let queuedId: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'keel-jobs-cli-'));
    config = await configFor(directory);
    const logger = createLogger({ level: 'silent' });
    // One job fails for good (the dead-letter state), then one stays queued (no workers).
    for (const [apiWorkers, capability, input] of [
      ['on', 'flaky', { failures: 1, retryable: false }],
      ['off', 'echo', { text: 'later' }],
    ] as const) {
      const dependencies = await createApiDependencies(
        await configFor(directory, { KEEL_API_WORKERS: apiWorkers }),
        logger,
      );
      const platform = await buildApp(dependencies);
      const response = await platform.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: { capability, input },
      });
      const { id } = response.json() as { id: string };
      if (apiWorkers === 'on') {
        failedId = id;
        for (
          let tries = 0;
          (await platform.jobs.service.get('default', id)).status !== 'failed';
          tries += 1
        ) {
          if (tries > 400) throw new Error('the job did not fail');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      } else {
        queuedId = id;
      }
      await platform.app.close();
      await dependencies.close();
    }
  });
  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('lists the dead-letter jobs, and shows one with its events', async () => {
    const list = await keelJobs(['list', '--status', 'failed'], config);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(failedId);
    expect(list.stdout).toContain('GATEWAY_REQUEST_REJECTED');
    expect(list.stdout).not.toContain(queuedId);
    const show = await keelJobs(['show', failedId, '--events', '--json'], config);
    expect(show.code).toBe(0);
    const job = JSON.parse(show.stdout) as { status: string; events: { type: string }[] };
    expect(job.status).toBe('failed');
    expect(job.events.map((event) => event.type)).toEqual(['job-queued', 'job-started', 'job-failed']);
  });

  it('retries a failed job and cancels a queued one, and refuses to retry a job that is not failed', async () => {
    const retry = await keelJobs(['retry', failedId], config);
    expect(retry).toMatchObject({ code: 0, stdout: `job ${failedId} queued again\n` });
    const cancel = await keelJobs(['cancel', queuedId], config);
    expect(cancel).toMatchObject({ code: 0, stdout: `job ${queuedId} cancelled\n` });
    const again = await keelJobs(['retry', queuedId], config);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('nothing to retry');
    const list = await keelJobs(['list', '--json'], config);
    const jobs = JSON.parse(list.stdout) as { id: string; status: string; attempts: number }[];
    expect(jobs.find((job) => job.id === failedId)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(jobs.find((job) => job.id === queuedId)).toMatchObject({ status: 'cancelled' });
  });

  it('answers 1 for a job of another tenant, and 2 for a malformed command', async () => {
    expect((await keelJobs(['show', failedId, '--tenant', 'acme'], config)).code).toBe(1);
    const missing = await keelJobs(['show'], config);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Usage: keel jobs list');
    expect((await keelJobs(['list', '--status', 'lost'], config)).code).toBe(2);
    expect((await keelJobs(['frobnicate'], config)).code).toBe(2);
  });
});
