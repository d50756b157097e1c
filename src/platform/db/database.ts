import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { withSafeText } from './safe-text-dialect.ts';
import type { KeelTables } from './tables.ts';

export type DatabaseTarget =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** `KEEL_DATA_DIR=memory://` runs the embedded database in memory: nothing is kept after exit. */
export const IN_MEMORY_DATA_DIR = 'memory://';

export interface DatabaseEvents {
  initialising?(dataDir: string): void;
}

/** One handle on the database, whichever engine serves it; the rest of Keel only sees `db`. */
export interface Database {
  readonly db: Kysely<KeelTables>;
  readonly engine: 'pglite' | 'postgres';
  /** Whether pgvector is usable; without it retrieval falls back to lexical search. */
  readonly vector: boolean;
  /** The embedded instance, for components that speak to PGlite directly (the job queue). */
  readonly pglite: PGlite | undefined;
  /** The server pool, for components that need their own connections (the job queue, LISTEN). */
  readonly pool: pg.Pool | undefined;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openDatabase(target: DatabaseTarget, events: DatabaseEvents = {}): Promise<Database> {
  return target.kind === 'embedded' ? openEmbedded(target.dataDir, events) : openPostgres(target.url);
}

async function openEmbedded(dataDir: string, events: DatabaseEvents): Promise<Database> {
  const inMemory = dataDir === IN_MEMORY_DATA_DIR;
  if (!inMemory && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
    events.initialising?.(dataDir);
    await mkdir(dataDir, { recursive: true });
  }
  const pglite = await PGlite.create({ ...(inMemory ? {} : { dataDir }), extensions: { vector } });
  await pglite.exec('create extension if not exists vector');
  const db = new Kysely<KeelTables>({ dialect: withSafeText(new PGliteDialect(pglite)) });
  let closed = false;
  return {
    db,
    engine: 'pglite',
    vector: true,
    pglite,
    pool: undefined,
    async ping() {
      await pglite.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await pglite.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<KeelTables>({ dialect: withSafeText(new PostgresDialect({ pool })) });
  const vectorReady = await enableVector(db);
  return {
    db,
    engine: 'postgres',
    vector: vectorReady,
    pglite: undefined,
    pool,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function enableVector(db: Kysely<KeelTables>): Promise<boolean> {
  const available = await sql<{ present: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'vector') as present`.execute(db);
  if (!available.rows[0]?.present) return false;
  try {
    await sql`create extension if not exists vector`.execute(db);
    return true;
  } catch {
    // Processes starting together race on `create extension`: the loser fails with a duplicate key,
    // yet the extension is there.
    const installed = await sql<{ present: boolean }>`
      select exists (select 1 from pg_extension where extname = 'vector') as present`.execute(db);
    return installed.rows[0]?.present === true;
  }
}
