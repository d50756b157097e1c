import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

// Records every package and every Keel source file a module graph loads, from inside a fresh Node process;
// the arguments after the module's path become its process.argv (for the CLI, which runs on import).
const TRACKER = `
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url) ?? /\\/(src\\/.*)$/.exec(url);
    if (match) loaded.add(match[1]);
    return nextLoad(url, context);
  },
});
const [, module, ...rest] = process.argv;
process.argv = [process.argv[0], module, ...rest];
process.once('exit', () => process.stderr.write('\\n' + JSON.stringify([...loaded])));
await import(module);
`;

/** The packages and `src/` files loaded by importing `module` with `args` as its command line. */
async function loadedBy(module: string, args: readonly string[] = []): Promise<string[]> {
  const { stderr } = await run(
    process.execPath,
    ['--input-type=module', '--eval', TRACKER, path.join(ROOT, module), ...args],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stderr.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('what an embedded `keel serve` loads (decision 0205)', () => {
  it('leaves the Redis, OTLP and OpenAI/Anthropic client packages out of the module graph of serve', async () => {
    const loaded = await loadedBy('src/main/api.ts');
    // The graph is really there: the HTTP framework and the embedded database are loaded.
    expect(loaded).toEqual(expect.arrayContaining(['fastify', '@electric-sql/pglite']));
    for (const onDemand of [
      'ioredis',
      '@opentelemetry/exporter-trace-otlp-http',
      '@ai-sdk/openai',
      '@ai-sdk/anthropic',
    ]) {
      expect(loaded, `${onDemand} is loaded at start`).not.toContain(onDemand);
    }
  });
});

describe('what `keel --version` and `keel --help` load (decision 0201)', () => {
  it('loads the configuration but no command, no module index, no HTTP framework and no database', async () => {
    for (const args of [['--version'], ['--help'], ['keys', '--help']]) {
      const loaded = await loadedBy('src/main/cli.ts', args);
      expect(loaded, args.join(' ')).toEqual(
        expect.arrayContaining(['zod', 'src/config/load-config.ts', 'src/main/cli-commands.ts']),
      );
      const heavy = loaded.filter(
        (file) =>
          /^src\/modules\/[^/]+\/index\.ts$/.test(file) ||
          /^src\/main\/.*-command\.ts$/.test(file) ||
          ['fastify', 'ai', '@electric-sql/pglite', 'pg'].includes(file),
      );
      expect(heavy, args.join(' ')).toEqual([]);
    }
  });
});
