import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * A real `keel serve` configured with an admin key and a provider key, driven down its error paths
 * (bad keys, a key in a URL, a provider that echoes its key back in a 401): its stdout, stderr and
 * responses never contain either key.
 */
const ADMIN_KEY = 'e2e-admin-secret-K8j7h6g5f4d3s2a1';
const PROVIDER_KEY = 'e2e-provider-secret-P0o9i8u7y6t5r4';

describe('secrets in a real process', () => {
  let upstream: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const bodies: string[] = [];
  beforeAll(async () => {
    directory = await temporaryDirectory();
    upstream = await startFakeOpenAI();
    keel = await startKeel(
      {
        KEEL_DATA_DIR: 'memory://',
        KEEL_ADMIN_KEY: ADMIN_KEY,
        OPENAI_API_KEY: PROVIDER_KEY,
        OPENAI_BASE_URL: upstream.url,
        KEEL_MODEL: 'fake-model',
        LOG_LEVEL: 'debug',
      },
      directory.path,
    );
  });
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  it('keeps both keys out of logs and responses on every error path', async () => {
    const send = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${keel.url}${path}`, init);
      bodies.push(await response.text(), JSON.stringify([...response.headers]));
      return response.status;
    };
    const json = (token: string, body: unknown): RequestInit => ({
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(await send('/v1/requests', { headers: { authorization: `Bearer ${PROVIDER_KEY}` } })).toBe(401);
    expect(await send(`/v1/requests?api_key=${ADMIN_KEY}`)).toBe(400);
    upstream.enqueueFaults({
      kind: 'status',
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${PROVIDER_KEY}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    expect(await send('/v1/generate', json(ADMIN_KEY, { user_input: `echo ${ADMIN_KEY}` }))).toBe(502);
    upstream.enqueueFaults({
      kind: 'status',
      status: 403,
      body: { error: { message: `forbidden for ${PROVIDER_KEY}` } },
    });
    expect(
      await send(
        '/openai/v1/chat/completions',
        json(ADMIN_KEY, { model: 'default', messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).toBeGreaterThanOrEqual(400);
    // The upstream did receive the provider key: it was present on these paths.
    expect(
      upstream.requests.some((request) => request.headers.authorization === `Bearer ${PROVIDER_KEY}`),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const everything = [...keel.logs.map((entry) => JSON.stringify(entry)), ...keel.stderr, ...bodies].join(
      '\n',
    );
    expect(everything).not.toContain(ADMIN_KEY);
    expect(everything).not.toContain(PROVIDER_KEY);
    expect(keel.logs.length).toBeGreaterThan(5);
    // The provider's echo of its key was logged (as the cause of the 502), redacted.
    expect(everything).toContain('[redacted]');
  }, 60_000);
});
