import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { lacks } from './tiers.ts';

/**
 * Server PostgreSQL for integration tests, from DATABASE_URL (`.ci/run` sets it; the suite's
 * global setup sets it when PostgreSQL answers on 127.0.0.1:5432). Each test file gets
 * a fresh database so migrations run from scratch and files never see each other's rows.
 */
export const serverDatabaseUrl = process.env.DATABASE_URL;

/** Prefer `requires('postgres')` from tiers.ts on a suite: it records why the suite skipped. */
export const skipWithoutPostgres = lacks('postgres');

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
