import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel, temporaryDirectory } from '../support/keel-process.ts';

describe('keel CLI', () => {
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
  });
  afterAll(async () => directory?.remove());

  it('prints its version', async () => {
    const result = await runKeel(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists commands and environment variables in --help', async () => {
    const result = await runKeel(['--help']);
    expect(result.code).toBe(0);
    for (const text of ['serve', 'migrate', 'DATABASE_URL', 'OPENAI_BASE_URL', 'KEEL_MODEL']) {
      expect(result.stdout).toContain(text);
    }
    expect(result.stdout).toMatch(/worker +Run job workers/);
    expect(result.stdout).toMatch(/jobs +List, show, retry or cancel jobs/);
  });

  it('has help for each command', async () => {
    const result = await runKeel(['migrate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: keel migrate [--status]');
  });

  it('rejects an unknown command with exit code 2 and the help', async () => {
    const result = await runKeel(['servee']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "servee"');
    expect(result.stderr).toContain('Commands:');
  });

  it('rejects an unknown option with exit code 2', async () => {
    const result = await runKeel(['serve', '--port', '9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port');
  });

  it('refuses to start on bad configuration, listing every problem, with exit code 1', async () => {
    const result = await runKeel(
      ['serve'],
      { PORT: 'x', LOG_LEVEL: 'chatty', DATABASE_URL: 'http://nope' },
      directory.path,
    );
    expect(result.code).toBe(1);
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(result.stderr).toContain(name);
  });

  it('applies migrations once, then reports the database up to date', async () => {
    const environment = { KEEL_DATA_DIR: `${directory.path}/data`, LOG_LEVEL: 'silent' };
    const pending = await runKeel(['migrate', '--status'], environment, directory.path);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toContain('pending  0001-request-log');
    const first = await runKeel(['migrate'], environment, directory.path);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('applied  0001-request-log');
    const second = await runKeel(['migrate'], environment, directory.path);
    expect(second.stdout).toContain('database is up to date');
    const status = await runKeel(['migrate', '--status'], environment, directory.path);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('applied  0001-request-log');
  }, 120_000);
});
