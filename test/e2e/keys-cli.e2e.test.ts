import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel, startKeel, temporaryDirectory } from '../support/keel-process.ts';

const WEBHOOK_SECRET = 'whsec-cli-0123456789-abcdefghij';

/** `keel keys create|list|revoke` on the embedded database, and `keel serve` honouring what it did. */
describe('keel keys', () => {
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let environment: Record<string, string>;
  beforeAll(async () => {
    directory = await temporaryDirectory();
    environment = {
      KEEL_DATA_DIR: `${directory.path}/data`,
      KEEL_ADMIN_KEY: 'keel-admin-key-for-the-keys-cli-e2e-01',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => directory?.remove());

  it('explains itself and refuses bad usage with exit code 2', async () => {
    // Independent commands, run side by side.
    const [help, missing, badScope, rotate, halfHook, badPolicy] = await Promise.all([
      runKeel(['keys', '--help']),
      runKeel(['keys', 'create', '--scopes', 'admin'], environment, directory.path),
      runKeel(['keys', 'create', '--name', 'x', '--scopes', 'Bad Scope'], environment, directory.path),
      runKeel(['keys', 'rotate'], environment, directory.path),
      runKeel(
        [
          'keys',
          'create',
          '--name',
          'x',
          '--scopes',
          'jobs:write',
          '--webhook-url',
          'https://hooks.example.com/k',
        ],
        environment,
        directory.path,
      ),
      runKeel(
        ['keys', 'create', '--name', 'x', '--scopes', 'admin', '--guardrails', 'no-such-policy'],
        environment,
        directory.path,
      ),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keel keys create --name');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name is required');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('not a scope: Bad Scope');
    expect(rotate.code).toBe(2);
    expect(halfHook.code).toBe(2);
    expect(halfHook.stderr).toContain('--webhook-url and --webhook-secret-file go together');
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain('unknown guardrail policies: no-such-policy');
    // Bad usage is refused before the database is opened: none was created.
    expect(existsSync(`${directory.path}/data`)).toBe(false);
  }, 120_000);

  it('creates a key shown once, lists it without the token, and serve accepts it until it is revoked', async () => {
    await writeFile(`${directory.path}/webhook-secret`, `${WEBHOOK_SECRET}\n`);
    const created = await runKeel(
      [
        'keys',
        'create',
        '--name',
        'ci bot',
        '--tenant',
        'acme',
        '--scopes',
        'requests:read',
        '--rpm',
        '100',
        '--webhook-url',
        'https://hooks.example.com/keel',
        '--webhook-secret-file',
        `${directory.path}/webhook-secret`,
        '--json',
      ],
      environment,
      directory.path,
    );
    expect(created.code).toBe(0);
    const { key, token } = JSON.parse(created.stdout) as {
      key: { id: string; webhook: unknown };
      token: string;
    };
    expect(key.webhook).toEqual({ url: 'https://hooks.example.com/keel' });
    expect(created.stdout).not.toContain(WEBHOOK_SECRET);
    expect(token).toMatch(/^keel_[0-9a-f]{16}_/);

    const listed = await runKeel(['keys', 'list'], environment, directory.path);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(token);

    let keel = await startKeel(environment, directory.path);
    try {
      const accepted = await fetch(`${keel.url}/v1/requests`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(accepted.status).toBe(200);
      expect(accepted.headers.get('ratelimit-limit')).toBe('100');
      expect(keel.logs.find((entry) => entry.msg === 'keel is ready')).toMatchObject({ auth: 'api-keys' });
      expect(JSON.stringify(keel.logs)).not.toContain(token);
    } finally {
      await keel.stop();
    }

    const revoked = await runKeel(['keys', 'revoke', key.id], environment, directory.path);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${key.id}`);
    expect(
      (await runKeel(['keys', 'revoke', 'key_ffffffffffffffff'], environment, directory.path)).code,
    ).toBe(1);

    keel = await startKeel(environment, directory.path);
    try {
      const refused = await fetch(`${keel.url}/v1/requests`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(401);
      expect((await refused.json()).code).toBe('AUTH_KEY_REVOKED');
    } finally {
      await keel.stop();
    }
  }, 180_000);
});

// `keel serve` with no admin key says auth is open locally: serve.e2e.test.ts, on its zero-configuration server.
