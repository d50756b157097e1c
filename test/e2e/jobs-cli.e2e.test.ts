import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel, temporaryDirectory } from '../support/keel-process.ts';

const CONFIG = path.resolve(import.meta.dirname, '../fixtures/jobs.keel.config.ts');

/** The CLI wiring of `keel jobs` and `keel worker`; the commands themselves: src/main/jobs-command.int.test.ts. */
describe('keel jobs and keel worker on the command line', () => {
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
  });
  afterAll(async () => directory?.remove());

  it('runs keel jobs against the configured database', async () => {
    const environment = { KEEL_CONFIG: CONFIG, KEEL_DATA_DIR: 'memory://', LOG_LEVEL: 'warn' };
    // Independent commands, run side by side.
    const [list, usage] = await Promise.all([
      runKeel(['jobs', 'list'], environment, directory.path),
      runKeel(['jobs', 'frobnicate'], environment, directory.path),
    ]);
    expect(list).toMatchObject({ code: 0, stdout: 'no jobs\n' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: keel jobs list');
  }, 120_000);

  // The main help's lines for `worker` and `jobs`: cli.e2e.test.ts, in the one `keel --help` it runs.
  it('documents keel worker', async () => {
    const help = await runKeel(['worker', '--help'], {}, directory.path);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('hands the rest back to the queue');
  });
});
