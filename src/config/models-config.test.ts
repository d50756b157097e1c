import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gateway, loadProviderModules } from '../modules/gateway/index.ts';
import { ConfigError, loadConfig } from './index.ts';

async function withConfigFile(source: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'keel-models-'));
  await writeFile(path.join(directory, 'keel.config.ts'), source);
  return directory;
}

describe('gateway settings from the environment', () => {
  it('has no default model with nothing configured, and says what to set', async () => {
    const { gateway } = (await loadConfig({ environment: {}, cwd: '/srv' })).models;
    expect(gateway.providers).toEqual([]);
    expect(gateway.aliases).toEqual([]);
    expect(gateway.notConfiguredHint).toContain('OPENAI_API_KEY');
    expect(gateway.cache.enabled).toBe(false);
  });

  it('OPENAI_API_KEY alone: OpenAI, gpt-4o-mini by default, and OpenAI embeddings for embed', async () => {
    const { gateway } = (await loadConfig({ environment: { OPENAI_API_KEY: 'sk-x' }, cwd: '/srv' })).models;
    expect(gateway.providers).toEqual([
      expect.objectContaining({
        name: 'openai',
        kind: 'openai',
        apiKey: 'sk-x',
        baseUrl: undefined,
        structuredOutputs: true,
      }),
    ]);
    expect(gateway.aliases).toEqual([
      { name: 'default', deployments: [{ ref: 'openai:gpt-4o-mini', weight: 1 }], fallbacks: [] },
      { name: 'embed', deployments: [{ ref: 'openai:text-embedding-3-small', weight: 1 }], fallbacks: [] },
    ]);
  });

  it('OPENAI_BASE_URL + KEEL_MODEL: an OpenAI-compatible server, and the hint when KEEL_MODEL is missing', async () => {
    const environment = { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', KEEL_MODEL: 'llama3.1:8b' };
    const { gateway } = (await loadConfig({ environment, cwd: '/srv' })).models;
    expect(gateway.providers[0]).toMatchObject({
      name: 'openai-compatible',
      kind: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
    // An Ollama tag is a model id, not a provider reference.
    expect(gateway.aliases[0]?.deployments).toEqual([{ ref: 'openai-compatible:llama3.1:8b', weight: 1 }]);
    const missing = (
      await loadConfig({ environment: { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }, cwd: '/srv' })
    ).models.gateway;
    expect(missing.aliases).toEqual([]);
    expect(missing.notConfiguredHint).toContain('KEEL_MODEL');
  });

  it('ANTHROPIC_API_KEY alone makes Anthropic the default; KEEL_MODEL may name its provider', async () => {
    const alone = (await loadConfig({ environment: { ANTHROPIC_API_KEY: 'a' }, cwd: '/srv' })).models.gateway;
    expect(alone.aliases[0]?.deployments[0]?.ref).toMatch(/^anthropic:claude-/);
    const both = (
      await loadConfig({
        environment: {
          OPENAI_API_KEY: 'o',
          ANTHROPIC_API_KEY: 'a',
          KEEL_MODEL: 'anthropic:claude-sonnet-4-5',
        },
        cwd: '/srv',
      })
    ).models.gateway;
    expect(both.aliases.find((alias) => alias.name === 'default')?.deployments).toEqual([
      { ref: 'anthropic:claude-sonnet-4-5', weight: 1 },
    ]);
  });
});

describe('gateway settings from keel.config.ts', () => {
  it('reads providers, aliases with fallbacks and weights, routes, prices, resilience and cache', async () => {
    const cwd = await withConfigFile(`export default { models: {
      providers: {
        ollama: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1' },
        vllm: { kind: 'openai-compatible', baseUrl: 'http://gpu:8000/v1', apiKeyEnv: 'VLLM_KEY', structuredOutputs: true },
      },
      aliases: {
        default: 'ollama:llama3.1',
        smart: ['vllm:qwen', 'ollama:llama3.1'],
        chat: { deployments: [{ model: 'vllm:qwen', weight: 3 }, { model: 'ollama:qwen' }], fallbacks: ['smart'] },
      },
      routes: { summarize: 'chat' },
      prices: { 'vllm:qwen': { input: 0.1, output: 0.2 } },
      resilience: { maxAttempts: 2, breaker: { failureThreshold: 3 } },
      cache: { ttlSeconds: 60 },
      structuredOutput: { maxRepairs: 1 },
    } };\n`);
    const { gateway } = (await loadConfig({ environment: { VLLM_KEY: 'secret' }, cwd })).models;
    expect(
      gateway.providers.map((provider) => [provider.name, provider.apiKey, provider.structuredOutputs]),
    ).toEqual([
      ['ollama', undefined, false],
      ['vllm', 'secret', true],
    ]);
    expect(gateway.aliases).toEqual([
      { name: 'default', deployments: [{ ref: 'ollama:llama3.1', weight: 1 }], fallbacks: [] },
      { name: 'smart', deployments: [{ ref: 'vllm:qwen', weight: 1 }], fallbacks: ['ollama:llama3.1'] },
      {
        name: 'chat',
        deployments: [
          { ref: 'vllm:qwen', weight: 3 },
          { ref: 'ollama:qwen', weight: 1 },
        ],
        fallbacks: ['smart'],
      },
    ]);
    expect(gateway.routes).toEqual({ summarize: 'chat' });
    expect(gateway.prices).toEqual({ 'vllm:qwen': { input: 0.1, output: 0.2 } });
    expect(gateway.resilience).toMatchObject({
      maxAttempts: 2,
      baseDelayMs: 250,
      breaker: { failureThreshold: 3, halfOpenAfterMs: 30_000 },
    });
    expect(gateway.cache).toMatchObject({ enabled: true, ttlMs: 60_000 });
    expect(gateway.structuredOutputRepairs).toBe(1);
  });

  it('lets KEEL_MODEL win over the file', async () => {
    const cwd = await withConfigFile(
      `export default { models: { aliases: { default: 'openai:gpt-4o' } } };\n`,
    );
    const { gateway } = (
      await loadConfig({ environment: { OPENAI_API_KEY: 'k', KEEL_MODEL: 'gpt-4.1-mini' }, cwd })
    ).models;
    expect(gateway.aliases.find((alias) => alias.name === 'default')?.deployments[0]?.ref).toBe(
      'openai:gpt-4.1-mini',
    );
  });

  it('reports every models problem at once, never a key', async () => {
    const cwd = await withConfigFile(`export default { models: {
      providers: { local: { kind: 'openai-compatible', baseUrl: 'http://x/v1' }, bare: {}, remote: { kind: 'openai-compatible' }, keyed: { kind: 'openai-compatible', baseUrl: 'http://y/v1', apiKeyEnv: 'MISSING_KEY' } },
      aliases: { fast: 'nowhere:model', smart: ['openai:gpt-4o', 'no-such-alias'], 'bad:name': 'openai:x' },
      routes: { summarize: 'ghost' },
      prices: { 'openai:gpt-4o': { input: -1, output: 1 } },
    } };\n`);
    const error = (await loadConfig({ environment: {}, cwd }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    const problems = error.problems.join('\n');
    for (const expected of [
      'providers.local',
      'providers.bare.kind',
      'providers.remote.baseUrl',
      'aliases.fast',
      'aliases.smart.1',
      'aliases.bad:name',
      'routes.summarize',
      'prices.openai:gpt-4o.input',
    ]) {
      expect(problems).toContain(expected);
    }
    const withKeyProblem = (await loadConfig({
      environment: {},
      cwd: await withConfigFile(
        `export default { models: { providers: { keyed: { kind: 'openai-compatible', baseUrl: 'http://y/v1', apiKeyEnv: 'MISSING_KEY' } } } };\n`,
      ),
    }).catch((caught: unknown) => caught)) as ConfigError;
    expect(withKeyProblem.problems).toEqual([
      'models.providers.keyed.apiKeyEnv: the environment variable MISSING_KEY is not set',
    ]);
  });
});

describe('routes to the local engine', () => {
  it('accepts `local` as a route target, and the gateway built from it warns about nothing', async () => {
    const cwd = await withConfigFile(
      `export default { models: { routes: { summarize: 'local', classify: 'fast' } } };\n`,
    );
    const { gateway: settings } = (await loadConfig({ environment: { OPENAI_API_KEY: 'k' }, cwd })).models;
    expect(settings.routes).toEqual({ summarize: 'local', classify: 'fast' });
    await loadProviderModules(settings.providers.map((provider) => provider.kind));
    const gateway = new Gateway({ settings });
    expect(gateway.warnings).toEqual([]);
    const models = gateway.forInvocation({
      requestId: 'r',
      tenantId: 't',
      source: 'capability:summarize',
      capability: 'summarize',
      signal: new AbortController().signal,
    });
    expect(models.routed).toBe('local');
    // The engine is not a language model: nothing a capability could call through the gateway.
    expect(models.available()).toBe(false);
  });

  it('still rejects a route to a name that is neither `local`, an alias nor a reference', async () => {
    const cwd = await withConfigFile(`export default { models: { routes: { summarize: 'locale' } } };\n`);
    const error = (await loadConfig({ environment: {}, cwd }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.join('\n')).toContain('routes.summarize');
  });
});
