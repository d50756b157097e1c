import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MALLOC_SETTINGS, memoryRelaunch, SEMI_SPACE_FLAG } from './memory-settings.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

function current(overrides: Partial<Parameters<typeof memoryRelaunch>[0]> = {}) {
  return {
    platform: 'linux',
    execPath: '/usr/bin/node',
    execArgv: [],
    argv: ['/usr/bin/node', '/app/bin/keel.js', 'serve'],
    env: { PATH: '/usr/bin' },
    ...overrides,
  };
}

describe('the memory settings of a keel process (decision 0198)', () => {
  it('relaunches with the semi-space flag first and the malloc threshold added to the environment', () => {
    expect(memoryRelaunch(current({ execArgv: ['--inspect'] }))).toEqual({
      argv: ['/usr/bin/node', SEMI_SPACE_FLAG, '--inspect', '/app/bin/keel.js', 'serve'],
      env: { PATH: '/usr/bin', ...MALLOC_SETTINGS },
    });
  });

  it('does not relaunch a process that already runs with them, so there is no loop', () => {
    const relaunch = memoryRelaunch(current());
    expect(relaunch).toBeDefined();
    const relaunched = current({ execArgv: relaunch?.argv.slice(1, -2), env: relaunch?.env });
    expect(memoryRelaunch(relaunched)).toBeUndefined();
  });

  it("keeps the user's own semi-space size and malloc threshold", () => {
    expect(
      memoryRelaunch(
        current({ execArgv: ['--max-semi-space-size=32'], env: { MALLOC_MMAP_THRESHOLD_: '65536' } }),
      ),
    ).toBeUndefined();
    expect(
      memoryRelaunch(
        current({ env: { NODE_OPTIONS: '--max_semi_space_size=64', MALLOC_MMAP_THRESHOLD_: '65536' } }),
      ),
    ).toBeUndefined();
    // The user's flag is kept and only the missing setting is added.
    expect(memoryRelaunch(current({ execArgv: ['--max-semi-space-size=32'] }))?.argv).toEqual([
      '/usr/bin/node',
      '--max-semi-space-size=32',
      '/app/bin/keel.js',
      'serve',
    ]);
  });

  it('sets the glibc malloc threshold on Linux only', () => {
    const relaunch = memoryRelaunch(current({ platform: 'darwin' }));
    expect(relaunch?.env).toEqual({ PATH: '/usr/bin' });
    expect(relaunch?.argv[1]).toBe(SEMI_SPACE_FLAG);
  });

  it.runIf(process.platform === 'linux')(
    'bin/keel.js replaces itself (same pid) with a process that runs with both settings',
    async () => {
      // A preload that reports what each process image it runs in was started with.
      const report =
        'process.stderr.write(JSON.stringify({pid:process.pid,execArgv:process.execArgv,mmap:process.env.MALLOC_MMAP_THRESHOLD_ ?? null})+"\\n")';
      const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
      delete env.MALLOC_MMAP_THRESHOLD_;
      const { stdout, stderr } = await run(
        process.execPath,
        [
          '--import',
          `data:text/javascript,${encodeURIComponent(report)}`,
          path.join(ROOT, 'bin/keel.js'),
          '--version',
        ],
        { cwd: ROOT, env },
      );
      expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const images = stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { pid: number; execArgv: string[]; mmap: string | null });
      expect(images).toHaveLength(2);
      expect(images[0]).toMatchObject({ mmap: null });
      expect(images[0]?.execArgv).not.toContain(SEMI_SPACE_FLAG);
      expect(images[1]).toMatchObject({ pid: images[0]?.pid, mmap: MALLOC_SETTINGS.MALLOC_MMAP_THRESHOLD_ });
      expect(images[1]?.execArgv[0]).toBe(SEMI_SPACE_FLAG);
    },
    60_000,
  );
});
