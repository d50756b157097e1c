import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { databaseUnavailable } from '../../platform/db/index.ts';
import type { ReadinessCheck } from './health.routes.ts';

/** Failures as dependencies report them: each message names a host and port nobody outside should see. */
const failures: Array<[string, () => Error]> = [
  ['a refused database connection', () => connectError('ECONNREFUSED', 'connect ECONNREFUSED 10.1.2.3:6543')],
  [
    'a mapped database outage',
    () => databaseUnavailable(connectError('ECONNRESET', 'read ECONNRESET 10.1.2.3:6543')),
  ],
  ['a redis error', () => new Error('getaddrinfo ENOTFOUND redis.internal.example:6380')],
  ['a thrown string', () => '10.1.2.3:6543 unreachable' as unknown as Error],
];

function connectError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('GET /readyz', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.app.close();
    app = undefined;
  });

  it.each(failures)('says which dependency is down without its address (%s)', async (_name, failure) => {
    const checks: ReadinessCheck[] = [
      { name: 'database', critical: true, check: () => Promise.reject(failure()) },
      { name: 'retrieval', critical: false, check: async () => ({ lexical: true }) },
    ];
    app = await buildTestApp({ readinessChecks: checks });
    const response = await app.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    const body = response.json<{
      status: string;
      checks: Array<{ name: string; ok: boolean; error?: string }>;
    }>();
    expect(body.status).toBe('not_ready');
    expect(body.checks.find((check) => check.name === 'database')).toMatchObject({ ok: false });
    expect(body.checks.find((check) => check.name === 'retrieval')).toMatchObject({ ok: true });
    expect(response.body).not.toMatch(/10\.1\.2\.3|6543|redis\.internal/);
    // Operators still get the detail, in the log.
    const logged = app.logs.lines.find((line) => line.msg === 'readiness check failed');
    expect(logged).toMatchObject({ check: 'database' });
    expect(JSON.stringify(logged)).toMatch(/10\.1\.2\.3|redis\.internal/);
  });

  it('names an unavailable database as such', async () => {
    app = await buildTestApp({
      readinessChecks: [
        {
          name: 'database',
          critical: true,
          check: () => Promise.reject(databaseUnavailable(connectError('ECONNREFUSED', 'x'))),
        },
      ],
    });
    const response = await app.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.json().checks[0].error).toBe('The database is unavailable');
  });
});
