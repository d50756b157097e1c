import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelProcess, runKeel, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * `keel keys` and `keel jobs` open the embedded database themselves. While `keel serve` owns the data
 * directory they must fail at once with a message naming its pid and pointing at its HTTP API, never
 * open the directory a second time (which crashed with a bare WebAssembly `Aborted()`).
 */
describe('admin commands while keel serve owns the data directory', () => {
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let environment: Record<string, string>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
    environment = { KEEL_DATA_DIR: `${directory.path}/data` };
    keel = await startKeel(environment, directory.path);
    // Starting (and creating the database) on a loaded machine can take a while.
  }, 240_000);
  afterAll(async () => {
    await keel?.stop();
    await directory?.remove();
  });

  it.each([[['keys', 'list']], [['keys', 'revoke', 'key_0123456789abcdef']], [['jobs', 'list']]])(
    'keel %j fails clearly, naming the owner',
    { timeout: 180_000 },
    async (args) => {
      const result = await runKeel(args, environment, directory.path);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`in use by another Keel process (pid ${keel.child.pid}`);
      expect(result.stderr).toContain('use the running server over HTTP');
      expect(result.stderr).not.toContain('Aborted');
      // The server is unharmed.
      expect((await fetch(`${keel.url}/healthz`)).status).toBe(200);
    },
  );
});
