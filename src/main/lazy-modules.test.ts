import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

// Records every package a module graph loads, from inside a fresh Node process.
const TRACKER = `
import { registerHooks } from 'node:module';
const packages = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url);
    if (match) packages.add(match[1]);
    return nextLoad(url, context);
  },
});
await import(process.argv[1]);
process.stdout.write(JSON.stringify([...packages]));
`;

/** The packages loaded by importing `module` (no code of it runs beyond its module scope). */
async function packagesLoadedBy(module: string): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '--eval', TRACKER, path.join(ROOT, module)],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout) as string[];
}

describe('what an embedded `keel serve` loads (decision 0205)', () => {
  it('leaves the Redis, OTLP and OpenAI/Anthropic client packages out of the module graph of serve', async () => {
    const loaded = await packagesLoadedBy('src/main/api.ts');
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
