import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../../test/support/closed-port.ts';
import { KeelConnectionError, retryingFetch } from '../client/index.ts';
import { loadConfig } from '../config/index.ts';
import { resolveConnection, UsageError, unreachable } from './cli-http.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'keel-cli-http-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

const ADMIN = 'an-admin-key-of-at-least-24-chars';

describe('resolveConnection: the URL the HTTP commands use', () => {
  it.each([
    ['the server default', {}, {}, 'http://127.0.0.1:8080', 'HOST and PORT'],
    ['the PORT keel serve reads', { PORT: '9123' }, {}, 'http://127.0.0.1:9123', 'HOST and PORT'],
    ['a named HOST', { HOST: 'localhost', PORT: '7000' }, {}, 'http://localhost:7000', 'HOST and PORT'],
    [
      'loopback for a HOST binding every address',
      { HOST: '0.0.0.0', PORT: '7001', KEEL_ADMIN_KEY: ADMIN },
      {},
      'http://127.0.0.1:7001',
      'HOST and PORT',
    ],
    [
      'loopback for an IPv6 any-address',
      { HOST: '::', KEEL_ADMIN_KEY: ADMIN },
      {},
      'http://127.0.0.1:8080',
      'HOST and PORT',
    ],
    ['an IPv6 loopback, bracketed', { HOST: '::1', PORT: '7002' }, {}, 'http://[::1]:7002', 'HOST and PORT'],
    [
      'KEEL_URL over HOST and PORT',
      { PORT: '9123', KEEL_URL: 'https://keel.example.com/' },
      {},
      'https://keel.example.com',
      'KEEL_URL',
    ],
    [
      '--url over KEEL_URL',
      { KEEL_URL: 'https://keel.example.com' },
      { url: 'http://10.0.0.5:8080/' },
      'http://10.0.0.5:8080',
      '--url',
    ],
  ])('%s', async (_name, environment, flags, url, source) => {
    const config = await loadConfig({ environment, cwd: directory });
    expect(resolveConnection(flags, config)).toMatchObject({ url, source });
  });

  it('takes the key from --key, else KEEL_ADMIN_KEY, and the retry bounds from flags over the environment', async () => {
    const config = await loadConfig({
      environment: { KEEL_ADMIN_KEY: ADMIN, KEEL_CLI_MAX_ATTEMPTS: '3', KEEL_CLI_RETRY_SECONDS: '30' },
      cwd: directory,
    });
    expect(resolveConnection({}, config)).toMatchObject({ key: ADMIN, maxAttempts: 3, retrySeconds: 30 });
    expect(
      resolveConnection({ key: 'keel_other', 'max-attempts': '1', 'retry-seconds': '0' }, config),
    ).toMatchObject({ key: 'keel_other', maxAttempts: 1, retrySeconds: 0 });
    const defaults = resolveConnection({}, await loadConfig({ environment: {}, cwd: directory }));
    expect(defaults).toMatchObject({ key: undefined, maxAttempts: 8, retrySeconds: 120 });
  });

  it.each([
    [{ url: 'not a url' }, '--url is not a URL: "not a url"'],
    [{ url: 'ftp://host/' }, '--url must be an http or https URL'],
    [{ 'max-attempts': '0' }, '--max-attempts takes a whole number of at least 1'],
    [{ 'max-attempts': 'many' }, '--max-attempts takes a whole number of at least 1'],
    [{ 'retry-seconds': '-1' }, '--retry-seconds takes a whole number of at least 0'],
  ])('refuses %j', async (flags, message) => {
    const config = await loadConfig({ environment: {}, cwd: directory });
    expect(() => resolveConnection(flags, config)).toThrow(UsageError);
    expect(() => resolveConnection(flags, config)).toThrow(message);
  });

  it('refuses a KEEL_URL that is not an http URL when the configuration loads', async () => {
    await expect(
      loadConfig({ environment: { KEEL_URL: 'keel.local:8080' }, cwd: directory }),
    ).rejects.toThrow('KEEL_URL');
  });

  it('says how to change the URL, by where it came from', async () => {
    const nowhere = new URL(await closedPortUrl());
    const refused = await retryingFetch({ maxAttempts: 1 })(new Request(nowhere)).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(KeelConnectionError);
    const config = await loadConfig({ environment: { PORT: nowhere.port }, cwd: directory });
    expect(unreachable(resolveConnection({}, config), refused as KeelConnectionError)).toBe(
      `no Keel answers at http://127.0.0.1:${nowhere.port} (from HOST and PORT): ECONNREFUSED; start it (npm start), or point keel at it with --url <url> or KEEL_URL (or the HOST and PORT it was started with)`,
    );
    expect(
      unreachable(resolveConnection({ url: 'http://127.0.0.1:1' }, config), refused as KeelConnectionError),
    ).toBe('no Keel answers at http://127.0.0.1:1 (from --url): ECONNREFUSED; check --url');
  });
});
