import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelConfig, loadConfig } from '../config/index.ts';
import { LOCK_FILE } from '../platform/db/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { createApiDependencies } from './api.ts';
import { createWorkerDependencies } from './worker.ts';

const CONFIG = path.resolve(import.meta.dirname, '../../test/fixtures/jobs.keel.config.ts');

describe('the composition roots on the embedded database', () => {
  let directory: string;
  const logger = createLogger({ level: 'silent' });

  async function configFor(extra: Record<string, string> = {}): Promise<KeelConfig> {
    return loadConfig({
      environment: {
        KEEL_CONFIG: CONFIG,
        KEEL_DATA_DIR: path.join(directory, 'data'),
        LOG_LEVEL: 'silent',
        KEEL_EMBEDDINGS: 'off',
        ...extra,
      },
      cwd: directory,
    });
  }

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'keel-dependencies-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it.each([
    ['keel serve', createApiDependencies],
    ['keel worker', createWorkerDependencies],
  ] as const)(
    '%s closes what it opened (the database and its lock, the job queue, threads, writers) when a late step throws',
    async (_root, createDependencies) => {
      const config = await configFor();
      // The custom capabilities are read last of all: by then everything else is open.
      const failing = Object.defineProperty({ ...config }, 'capabilities', {
        get() {
          throw new Error('a late step failed');
        },
      });
      await expect(createDependencies(failing, logger)).rejects.toThrow('a late step failed');
      expect(existsSync(path.join(directory, 'data', LOCK_FILE))).toBe(false);
      // The data directory is free again for this process.
      const dependencies = await createDependencies(config, logger);
      expect(existsSync(path.join(directory, 'data', LOCK_FILE))).toBe(true);
      await dependencies.close();
      expect(existsSync(path.join(directory, 'data', LOCK_FILE))).toBe(false);
    },
    120_000,
  );
});
