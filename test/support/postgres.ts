import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Server PostgreSQL for integration tests, from DATABASE_URL (`.ci/run` sets it). Each test file gets
 * a fresh database so migrations run from scratch and files never see each other's rows.
 */
export const serverDatabaseUrl = process.env.DATABASE_URL;

export const skipWithoutPostgres = serverDatabaseUrl === undefined;
if (skipWithoutPostgres)
  console.warn('[keel tests] DATABASE_URL is not set: server PostgreSQL suites are skipped');

export interface TemporaryDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTemporaryDatabase(): Promise<TemporaryDatabase> {
  if (!serverDatabaseUrl) throw new Error('DATABASE_URL is not set');
  const name = `keel_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverDatabaseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
