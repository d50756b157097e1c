import { Socket } from 'node:net';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * Runs once in the main vitest process, before any worker starts: finds PostgreSQL and Redis so their
 * suites run without anyone exporting DATABASE_URL/REDIS_URL. An explicit DATABASE_URL or REDIS_URL is
 * kept as it is (a CI pointing at a service that is down must fail, not skip). When one is unset, the
 * default address is probed with a short timeout and a real query (PostgreSQL) or PING (Redis); on an
 * answer the variable is set for every worker, otherwise the reason is recorded for the tier summary.
 */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const PROBE_TIMEOUT_MS = 1_500;

/** The variables workers apply to their environment before any test file is imported. */
export type ServiceEnvironment = Partial<
  Record<'DATABASE_URL' | 'REDIS_URL' | 'KEEL_TEST_POSTGRES_SKIP' | 'KEEL_TEST_REDIS_SKIP', string>
>;

declare module 'vitest' {
  interface ProvidedContext {
    keelServices: ServiceEnvironment;
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** A RESP PING over a plain socket: no client library, no reconnect loop to tear down. */
function probeRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => fail(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`PING answered ${JSON.stringify(reply.trim())}`));
    });
    socket.connect(Number(port || 6379), hostname, () => socket.write('PING\r\n'));
  });
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

async function detect(): Promise<ServiceEnvironment> {
  const found: ServiceEnvironment = {};
  const postgres = process.env.DATABASE_URL
    ? undefined
    : probePostgres(DEFAULT_DATABASE_URL).then(
        () => {
          found.DATABASE_URL = DEFAULT_DATABASE_URL;
        },
        (error: unknown) => {
          found.KEEL_TEST_POSTGRES_SKIP = `DATABASE_URL unset and no PostgreSQL at 127.0.0.1:5432/test (${describeError(error)})`;
        },
      );
  const redis = process.env.REDIS_URL
    ? undefined
    : probeRedis(DEFAULT_REDIS_URL).then(
        () => {
          found.REDIS_URL = DEFAULT_REDIS_URL;
        },
        (error: unknown) => {
          found.KEEL_TEST_REDIS_SKIP = `REDIS_URL unset and no Redis at 127.0.0.1:6379 (${describeError(error)})`;
        },
      );
  await Promise.all([postgres, redis]);
  return found;
}

/** One probe per run, whichever project's setup asks first. */
let detection: Promise<ServiceEnvironment> | undefined;

export default async function setup(project: TestProject): Promise<void> {
  detection ??= detect();
  const found = await detection;
  // The main process too: the tier summary reporter reads what was found from here.
  Object.assign(process.env, found);
  project.provide('keelServices', found);
}
