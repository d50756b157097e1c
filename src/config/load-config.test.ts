import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

const cwd = '/srv/keel';

describe('loadConfig', () => {
  it('runs with zero configuration: embedded storage, loopback, port 8080', async () => {
    const config = await loadConfig({ environment: {}, cwd });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 1_048_576 });
    expect(config.storage).toEqual({
      kind: 'embedded',
      dataDir: '/srv/keel/.keel',
      cacheDir: expect.stringMatching(/\/\.cache\/keel$/),
    });
    expect(config.models.openai).toEqual({ apiKey: undefined, baseUrl: undefined, model: undefined });
    expect(config.logLevel).toBe('info');
  });

  it('switches to PostgreSQL with DATABASE_URL and reads every model variable', async () => {
    const config = await loadConfig({
      environment: {
        DATABASE_URL: 'postgres://keel@db:5432/keel',
        OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
        KEEL_MODEL: 'llama3.1',
        OPENAI_API_KEY: 'sk-test',
        PORT: '9000',
        KEEL_CORS_ORIGINS: 'https://a.example, https://b.example',
      },
      cwd,
    });
    expect(config.storage).toEqual({ kind: 'postgres', url: 'postgres://keel@db:5432/keel' });
    expect(config.models.openai).toEqual({
      apiKey: 'sk-test',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.1',
    });
    expect(config.server.port).toBe(9000);
    expect(config.server.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('keeps the embedded cluster template in KEEL_CACHE_DIR, the user cache by default, or nowhere', async () => {
    const at = async (environment: Record<string, string>) =>
      ((await loadConfig({ environment, cwd })).storage as { cacheDir?: string }).cacheDir;
    expect(await at({ HOME: '/home/ada' })).toBe('/home/ada/.cache/keel');
    expect(await at({ HOME: '/home/ada', XDG_CACHE_HOME: '/var/cache/ada' })).toBe('/var/cache/ada/keel');
    expect(await at({ KEEL_CACHE_DIR: 'cache' })).toBe('/srv/keel/cache');
    expect(await at({ KEEL_CACHE_DIR: 'off' })).toBeUndefined();
  });

  it('treats empty variables as unset', async () => {
    const config = await loadConfig({ environment: { OPENAI_API_KEY: '', DATABASE_URL: ' ' }, cwd });
    expect(config.models.openai.apiKey).toBeUndefined();
    expect(config.storage.kind).toBe('embedded');
  });

  it('reports every problem at once', async () => {
    const error = await loadConfig({
      environment: {
        PORT: 'eighty',
        DATABASE_URL: 'mysql://nope',
        LOG_LEVEL: 'loud',
        OPENAI_BASE_URL: 'not a url',
      },
      cwd,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'OPENAI_BASE_URL'])
      expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('reads the outbound allow-list and the refused-key limit, and refuses a malformed allow-list entry', async () => {
    const defaults = await loadConfig({ environment: {}, cwd });
    expect(defaults.outbound.allow).toEqual([]);
    expect(defaults.limits.authFailuresPerMinute).toBe(30);
    const config = await loadConfig({
      environment: {
        KEEL_OUTBOUND_ALLOW: ' 10.20.0.0/16, hooks.internal ,*.corp.example,::1',
        KEEL_AUTH_FAILURES_PER_MINUTE: '0',
      },
      cwd,
    });
    expect(config.outbound.allow).toEqual(['10.20.0.0/16', 'hooks.internal', '*.corp.example', '::1']);
    expect(config.limits.authFailuresPerMinute).toBe(0);
    const error = (await loadConfig({
      environment: { KEEL_OUTBOUND_ALLOW: '10.0.0.0/8,http://hooks.internal' },
      cwd,
    }).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems.join('\n')).toContain('KEEL_OUTBOUND_ALLOW');
  });

  it('never echoes a secret in a problem', async () => {
    const error = (await loadConfig({ environment: { KEEL_ADMIN_KEY: 'short-secret-value' }, cwd }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error.problems.join('\n')).toContain('KEEL_ADMIN_KEY');
    expect(error.message).not.toContain('short-secret-value');
  });

  it('is frozen', async () => {
    const config = await loadConfig({ environment: {}, cwd });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('loads keel.config.ts, with the environment taking precedence', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'keel-config-'));
    await writeFile(
      path.join(directory, 'keel.config.ts'),
      `export default { models: { default: 'file-model' }, http: { corsOrigins: ['https://file.example'] } };\n`,
    );
    const fromFile = await loadConfig({ environment: {}, cwd: directory });
    expect(fromFile.models.openai.model).toBe('file-model');
    expect(fromFile.server.corsOrigins).toEqual(['https://file.example']);
    expect(fromFile.configFile).toBe(path.join(directory, 'keel.config.ts'));
    const overridden = await loadConfig({ environment: { KEEL_MODEL: 'env-model' }, cwd: directory });
    expect(overridden.models.openai.model).toBe('env-model');
  });

  it('reports a config file that breaks its schema together with environment problems', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'keel-config-'));
    await writeFile(
      path.join(directory, 'keel.config.ts'),
      `export default { modles: {}, capabilities: [42] };\n`,
    );
    const error = (await loadConfig({ environment: { PORT: '-1' }, cwd: directory }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    const problems = error.problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('modles');
    expect(problems).toContain('defineCapability');
  });

  it('reports a missing explicit KEEL_CONFIG file', async () => {
    const error = (await loadConfig({ environment: { KEEL_CONFIG: 'missing.config.ts' }, cwd }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error.problems).toEqual(['KEEL_CONFIG: no config file at /srv/keel/missing.config.ts']);
  });
});

describe('binding beyond loopback', () => {
  it('refuses a public HOST without KEEL_ADMIN_KEY', async () => {
    const error = (await loadConfig({ environment: { HOST: '0.0.0.0' }, cwd }).catch(
      (caught: unknown) => caught,
    )) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.problems[0]).toContain('KEEL_ADMIN_KEY must be set');
  });

  it('accepts a public HOST with a key, and loopback addresses without one', async () => {
    const key = 'k'.repeat(32);
    expect(
      (await loadConfig({ environment: { HOST: '0.0.0.0', KEEL_ADMIN_KEY: key }, cwd })).auth.adminKey,
    ).toBe(key);
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) {
      expect((await loadConfig({ environment: { HOST: host }, cwd })).server.host).toBe(host);
    }
  });
});
