import { type Kysely, sql } from 'kysely';
import type { KeelTables } from '../platform/db/index.ts';
import { migrationStatus } from '../platform/db/index.ts';
import { migrations } from '../platform/db/migrations/index.ts';

/**
 * The portable file of `keel export` / `keel import` (ADR 0101): JSON lines, a versioned header, one
 * line per row, a trailer with the row counts (a truncated file is refused). Rows are each table's
 * columns as PostgreSQL renders them with `to_jsonb` and reads them back with `jsonb_populate_recordset`,
 * so tsvectors, arrays, bytea and pgvector embeddings round-trip exactly between PGlite and PostgreSQL.
 * Serial columns (`sequence`) are renumbered by the target, in the exported order.
 */

export const PORTABLE_FORMAT = 'keel-export';
export const PORTABLE_VERSION = 1;

/**
 * What moves, in foreign-key order: API keys (their scrypt hashes; a secret never exists to export),
 * collections with their documents, stored bytes, chunks, BM25 statistics and embeddings, and eval
 * datasets with their items. Jobs, request logs, model calls, eval runs, feedback and conversations are
 * operational history and stay behind.
 */
export const PORTABLE_TABLES = [
  'api_key',
  'document_collection',
  'document',
  'document_source',
  'retrieval_collection',
  'retrieval_chunk',
  'retrieval_term',
  'retrieval_chunk_vector',
  'eval_dataset',
  'eval_dataset_item',
] as const;

/**
 * Columns never written to an export: secrets Keel must keep to sign with (a key's default webhook
 * secret). `secret_hash` is a one-way scrypt hash and does travel, so keys keep authenticating.
 */
const SECRET_COLUMN = /(^|_)secret$/;

async function primaryKey(db: AnyDb, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select a.attname as name
    from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(${table}) and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
  if (rows.length === 0) throw new Error(`table ${table} has no primary key to export it in order`);
  return rows.map((row) => row.name);
}

export interface PortableHeader {
  readonly format: typeof PORTABLE_FORMAT;
  readonly version: number;
  readonly exportedAt: string;
  readonly keelVersion: string;
  readonly migrations: readonly string[];
  readonly tenant: string | null;
  readonly tables: readonly string[];
}

export interface PortableTrailer {
  readonly end: true;
  readonly rows: Readonly<Record<string, number>>;
}

export interface ExportOptions {
  readonly keelVersion: string;
  readonly tenant?: string;
  readonly pageSize?: number;
  readonly now?: Date;
}

export class PortableFileError extends Error {}

type AnyDb = Kysely<KeelTables>;

interface ColumnInfo {
  readonly name: string;
  readonly serial: boolean;
}

async function tableColumns(db: AnyDb, table: string): Promise<ColumnInfo[]> {
  const { rows } = await sql<{ column_name: string; column_default: string | null; is_identity: string }>`
    select column_name, column_default, is_identity from information_schema.columns
    where table_schema = current_schema() and table_name = ${table}
    order by ordinal_position`.execute(db);
  return rows.map((row) => ({
    name: row.column_name,
    serial: row.is_identity === 'YES' || (row.column_default ?? '').startsWith('nextval('),
  }));
}

/** Writes the whole portable file through `write` (one call per line, newline included). */
export async function exportPortable(
  db: AnyDb,
  write: (line: string) => Promise<void>,
  options: ExportOptions,
): Promise<PortableTrailer> {
  const status = await migrationStatus(db);
  const present: Array<{ table: string; columns: ColumnInfo[] }> = [];
  for (const table of PORTABLE_TABLES) {
    const columns = await tableColumns(db, table);
    if (columns.length > 0) present.push({ table, columns });
  }
  const header: PortableHeader = {
    format: PORTABLE_FORMAT,
    version: PORTABLE_VERSION,
    exportedAt: (options.now ?? new Date()).toISOString(),
    keelVersion: options.keelVersion,
    migrations: status.applied,
    tenant: options.tenant ?? null,
    tables: present.map((entry) => entry.table),
  };
  await write(`${JSON.stringify(header)}\n`);
  const counts: Record<string, number> = {};
  const pageSize = options.pageSize ?? 500;
  for (const { table, columns } of present) {
    const serial = columns.find((column) => column.serial)?.name;
    const order = serial ? [serial] : await primaryKey(db, table);
    const byTenant =
      options.tenant !== undefined && columns.some((column) => column.name === 'tenant_id')
        ? sql`where t.tenant_id = ${options.tenant}`
        : sql``;
    let count = 0;
    for (let offset = 0; ; offset += pageSize) {
      const { rows } = await sql<{ row: Record<string, unknown> }>`
        select to_jsonb(t) as row from ${sql.table(table)} t ${byTenant}
        order by ${sql.join(order.map((name) => sql.ref(`t.${name}`)))} limit ${pageSize} offset ${offset}`.execute(
        db,
      );
      for (const { row } of rows) {
        if (serial) delete row[serial];
        for (const name of Object.keys(row)) if (SECRET_COLUMN.test(name)) delete row[name];
        await write(`${JSON.stringify({ table, row })}\n`);
      }
      count += rows.length;
      if (rows.length < pageSize) break;
    }
    counts[table] = count;
  }
  const trailer: PortableTrailer = { end: true, rows: counts };
  await write(`${JSON.stringify(trailer)}\n`);
  return trailer;
}

export interface ImportReport {
  readonly imported: Readonly<Record<string, number>>;
  /** Rows already present (same id or unique name): left as they were. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Rows of tables the target lacks (embeddings without pgvector): not imported. */
  readonly unsupported: Readonly<Record<string, number>>;
}

/**
 * Reads a portable file line by line into `db`, in one transaction: all of it or nothing. The target
 * must already be migrated and know every migration the export was taken at.
 */
export async function importPortable(db: AnyDb, lines: AsyncIterable<string>): Promise<ImportReport> {
  const imported: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const unsupported: Record<string, number> = {};
  let header: PortableHeader | undefined;
  let trailer: PortableTrailer | undefined;
  let lineNumber = 0;
  await db.transaction().execute(async (trx) => {
    const columnsByTable = new Map<string, Set<string>>();
    let batchTable: string | undefined;
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      if (batchTable === undefined || batch.length === 0) return;
      const table = batchTable;
      const rows = batch;
      batch = [];
      const targetColumns = columnsByTable.get(table);
      if (targetColumns === undefined || targetColumns.size === 0) {
        unsupported[table] = (unsupported[table] ?? 0) + rows.length;
        return;
      }
      // Only the columns the file carries, so the target's defaults fill columns added since.
      const names = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((name) =>
        targetColumns.has(name),
      );
      const list = sql.join(names.map((name) => sql.ref(name)));
      const result = await sql`
        insert into ${sql.table(table)} (${list})
        select ${list} from jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)
        on conflict do nothing`.execute(trx);
      const inserted = Number(result.numAffectedRows ?? 0n);
      imported[table] = (imported[table] ?? 0) + inserted;
      skipped[table] = (skipped[table] ?? 0) + rows.length - inserted;
    };
    for await (const raw of lines) {
      lineNumber += 1;
      if (raw.trim() === '') continue;
      if (trailer) throw new PortableFileError(`line ${lineNumber}: content after the end of the export`);
      let entry: unknown;
      try {
        entry = JSON.parse(raw);
      } catch {
        throw new PortableFileError(`line ${lineNumber}: not JSON`);
      }
      if (header === undefined) {
        header = checkHeader(entry);
        for (const table of header.tables) {
          if (!(PORTABLE_TABLES as readonly string[]).includes(table))
            throw new PortableFileError(`the export holds an unknown table "${table}"`);
          const columns = await tableColumns(trx, table);
          columnsByTable.set(table, new Set(columns.filter((column) => !column.serial).map((c) => c.name)));
        }
        continue;
      }
      const record = entry as { table?: unknown; row?: unknown; end?: unknown; rows?: unknown };
      if (record.end === true) {
        await flush();
        trailer = { end: true, rows: (record.rows ?? {}) as Record<string, number> };
        continue;
      }
      if (typeof record.table !== 'string' || !columnsByTable.has(record.table))
        throw new PortableFileError(`line ${lineNumber}: a row of a table the header does not list`);
      if (typeof record.row !== 'object' || record.row === null || Array.isArray(record.row))
        throw new PortableFileError(`line ${lineNumber}: "row" must be an object`);
      if (record.table !== batchTable || batch.length >= 200) await flush();
      batchTable = record.table;
      batch.push(record.row as Record<string, unknown>);
    }
    if (header === undefined) throw new PortableFileError('the file is empty');
    if (trailer === undefined)
      throw new PortableFileError('the export ends without its trailer: the file is truncated');
    for (const [table, expected] of Object.entries(trailer.rows)) {
      const seen = (imported[table] ?? 0) + (skipped[table] ?? 0) + (unsupported[table] ?? 0);
      if (seen !== expected)
        throw new PortableFileError(
          `the trailer counts ${expected} rows of ${table}, the file holds ${seen}`,
        );
    }
  });
  return { imported, skipped, unsupported };
}

function checkHeader(entry: unknown): PortableHeader {
  const header = entry as Partial<PortableHeader> | null;
  if (header === null || typeof header !== 'object' || header.format !== PORTABLE_FORMAT)
    throw new PortableFileError(`not a Keel export: the first line must be a "${PORTABLE_FORMAT}" header`);
  if (header.version !== PORTABLE_VERSION)
    throw new PortableFileError(
      `export format version ${String(header.version)} is not supported (this Keel reads version ${PORTABLE_VERSION})`,
    );
  if (!Array.isArray(header.tables) || !Array.isArray(header.migrations))
    throw new PortableFileError('the header lacks "tables" or "migrations"');
  const known = new Set(Object.keys(migrations));
  const unknown = header.migrations.filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new PortableFileError(
      `the export comes from a newer Keel (${String(header.keelVersion)}, migrations ${unknown.join(', ')}): upgrade this one first`,
    );
  return header as PortableHeader;
}
