import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import type pg from 'pg';
import { clusterTemplates, type TemplateKind } from './cluster-template.ts';
import { isConnectionError, rethrowDatabaseError } from './connection-errors.ts';
import { lockDataDirectory } from './data-dir-lock.ts';
import { pgDriver } from './pg-driver.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { withSafeText } from './safe-text-dialect.ts';
import type { KeelTables } from './tables/index.ts';

export type DatabaseTarget =
  | {
      readonly kind: 'embedded';
      readonly dataDir: string;
      /** Where a fresh cluster is kept so new databases skip initdb (cluster-template.ts); none when unset. */
      readonly cacheDir?: string;
    }
  | { readonly kind: 'postgres'; readonly url: string };

/** `KEEL_DATA_DIR=memory://` runs the embedded database in memory: nothing is kept after exit. */
export const IN_MEMORY_DATA_DIR = 'memory://';

export interface DatabaseEvents {
  initialising?(dataDir: string): void;
  /** A server connection was lost (the pool replaces it on demand); never fatal. */
  connectionLost?(error: Error): void;
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

/**
 * Settings of the embedded PostgreSQL. Its default `shared_buffers` (160 MB here) is sized for a server that
 * owns its machine; inside Keel's process it was the largest part of the idle footprint (issue 16: RSS 363
 * MB for PGlite alone, 251 MB with 32 MB). The data files stay in the operating system's page cache, so a
 * smaller buffer pool costs little on Keel's working sets.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=32MB', '-c', 'wal_buffers=1MB'];

export async function openDatabase(target: DatabaseTarget, events: DatabaseEvents = {}): Promise<Database> {
  return (await openDatabaseFromTemplate(target, events)).database;
}

/** A database just opened, and what a new embedded one was made from (cluster-template.ts). */
export interface OpenedDatabase {
  readonly database: Database;
  /** True when a new embedded database loaded the schema template asked for: it is at that schema already. */
  readonly schemaLoaded: boolean;
  /**
   * Keeps the cluster as the schema template asked for; present only for a new embedded database that did
   * not load it. Call it once the database is at that schema and before anything else is written.
   */
  readonly keepSchema?: () => Promise<void>;
}

/**
 * Opens the database; a new embedded one starts from the schema template `schema` names when the cache
 * holds it (the caller then finds every migration applied), else from the initdb template, else initdb.
 * For the migrating openers (migrate.ts); others call `openDatabase`.
 */
export async function openDatabaseFromTemplate(
  target: DatabaseTarget,
  events: DatabaseEvents,
  schema?: TemplateKind,
): Promise<OpenedDatabase> {
  return target.kind === 'embedded'
    ? openEmbedded(target.dataDir, target.cacheDir, events, schema)
    : { database: await openPostgres(target.url, events), schemaLoaded: false };
}

async function openEmbedded(
  dataDir: string,
  cacheDir: string | undefined,
  events: DatabaseEvents,
  schema: TemplateKind | undefined,
): Promise<OpenedDatabase> {
  const inMemory = dataDir === IN_MEMORY_DATA_DIR;
  const fresh = inMemory || !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh && !inMemory) {
    events.initialising?.(dataDir);
    await mkdir(dataDir, { recursive: true });
  }
  const templates = fresh && cacheDir !== undefined ? clusterTemplates(cacheDir) : undefined;
  // One owner per directory, taken before PGlite touches it (a second opener fails here, clearly).
  const lock = inMemory ? undefined : await lockDataDirectory(dataDir);
  let pglite: PGlite;
  let schemaLoaded = false;
  try {
    const schemaTemplate = schema ? await templates?.read(schema) : undefined;
    schemaLoaded = schemaTemplate !== undefined;
    const template = schemaTemplate ?? (await templates?.read('initdb'));
    pglite = await PGlite.create({
      ...(inMemory ? {} : { dataDir }),
      ...(template ? { loadDataDir: template } : {}),
      extensions: { vector },
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
    });
    if (templates && !template) await templates.keep(pglite, 'initdb');
    // A schema template has the extension already.
    if (!schemaLoaded) await pglite.exec('create extension if not exists vector');
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const db = new Kysely<KeelTables>({ dialect: withSafeText(new PGliteDialect(pglite)) });
  let closed = false;
  const database: Database = {
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
      try {
        await db.destroy();
        await pglite.close();
      } finally {
        await lock?.release();
      }
    },
  };
  const keepSchema = templates && schema && !schemaLoaded ? () => templates.keep(pglite, schema) : undefined;
  return { database, schemaLoaded, ...(keepSchema ? { keepSchema } : {}) };
}

async function openPostgres(url: string, events: DatabaseEvents): Promise<Database> {
  const pool = new (pgDriver().Pool)({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  watchConnections(pool, events);
  const db = new Kysely<KeelTables>({
    dialect: withSafeText(new PostgresDialect({ pool: guardedPool(pool) })),
  });
  let vectorReady: boolean;
  try {
    vectorReady = await enableVector(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
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

/**
 * A server connection can fail at any moment: while idle in the pool (the pool's own listener handles it),
 * or while checked out with no query running (in a transaction between statements, holding an advisory
 * lock). node-postgres then emits `error` on the client, and the pool removes its listener on checkout, so
 * without one of our own the process dies with "Connection terminated unexpectedly" (57P01 on a server
 * restart). Every client gets a permanent listener; a broken client is dropped by the pool on release
 * (`_queryable` is false) and the next checkout opens a new connection.
 */
function watchConnections(pool: pg.Pool, events: DatabaseEvents): void {
  const lost = (error: Error) => events.connectionLost?.(error);
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', lost);
  });
}

/**
 * The pool Kysely sees: connection-class failures (refused, reset, terminated, pool timeouts) become the
 * retryable 503 DATABASE_UNAVAILABLE at this boundary, so no route answers 500 for an outage; a client that
 * failed that way is destroyed on release instead of going back to the pool.
 */
function guardedPool(pool: pg.Pool): PostgresPool {
  // One wrapper per client, so Kysely (which keeps a connection object per client) reuses its own.
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const guard = (client: pg.PoolClient): PostgresPoolClient => {
    let broken = false;
    const onError = (error: unknown): never => {
      if (isConnectionError(error)) broken = true;
      return rethrowDatabaseError(error);
    };
    return {
      get processID() {
        return (client as { processID?: number }).processID;
      },
      query: ((...args: unknown[]) => {
        const result = (client.query as (...inner: unknown[]) => unknown)(...args);
        return result instanceof Promise ? result.catch(onError) : result;
      }) as PostgresPoolClient['query'],
      release: (destroy?: boolean) => {
        client.release(destroy === true || broken);
      },
    };
  };
  return {
    async connect() {
      const client = await pool.connect().catch(rethrowDatabaseError);
      let guarded = wrapped.get(client);
      if (!guarded) {
        guarded = guard(client);
        wrapped.set(client, guarded);
      }
      return guarded;
    },
    end: () => pool.end(),
    options: pool.options,
  };
}
