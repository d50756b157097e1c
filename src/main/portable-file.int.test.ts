import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTarget } from '../../test/support/embedded-database.ts';
import { createVectorSchema, type Database, openMigratedDatabase } from '../platform/db/index.ts';
import { exportPortable, importPortable, PORTABLE_TABLES, PortableFileError } from './portable-file.ts';

/**
 * The portable file round-trips every exported table exactly between two embedded databases, embeddings
 * (pgvector), tsvectors, arrays and bytes included, and refuses damaged or foreign files whole.
 */

async function rowsOf(database: Database, table: string): Promise<unknown[]> {
  const { rows } = await sql<{ row: Record<string, unknown> }>`
    select to_jsonb(t) - 'sequence' - 'webhook_secret' as row from ${sql.table(table)} t order by 1`.execute(
    database.db,
  );
  return rows.map((entry) => entry.row);
}

async function exportToLines(database: Database, tenant?: string): Promise<string[]> {
  const lines: string[] = [];
  await exportPortable(
    database.db,
    async (line) => {
      lines.push(line.trimEnd());
    },
    { keelVersion: '0.0.0-test', ...(tenant ? { tenant } : {}), pageSize: 2 },
  );
  return lines;
}

async function* iterate(lines: readonly string[]): AsyncIterable<string> {
  yield* lines;
}

async function seed(database: Database): Promise<void> {
  const now = '2026-01-02T03:04:05.000Z';
  const db = database.db;
  await sql`insert into api_key (id, name, tenant_id, scopes, secret_hash, limits, created_at)
    values ('key_a', 'ci', 'tenant-a', '["documents:read"]', 'scrypt$salt$hash', '{"requestsPerMinute": 5}', ${now}),
           ('key_b', 'other', 'tenant-b', '["admin"]', 'scrypt$salt$hash2', '{}', ${now})`.execute(db);
  await sql`update api_key set webhook_url = 'https://hooks.example/keel', webhook_secret = 'whsec-never-exported'
    where id = 'key_a'`.execute(db);
  await sql`insert into eval_dataset (tenant_id, id, name, capability, description, version, item_count, created_at, updated_at)
    values ('tenant-a', 'ds_1', 'golden', 'summarize', 'a dataset', 2, 2, ${now}, ${now})`.execute(db);
  await sql`insert into eval_dataset_item (tenant_id, dataset_id, position, id, version, input, expected, reference, metadata, feedback_id, created_at)
    values ('tenant-a', 'ds_1', 0, 'item_0', 1, '{"text": "a"}', '{"summary": "a"}', null, '{}', null, ${now}),
           ('tenant-a', 'ds_1', 1, 'item_1', 2, '{"text": "b"}', null, 'ref', '{"k": 1}', null, ${now})`.execute(
    db,
  );
  for (const [tenant, collection] of [
    ['tenant-a', 'col_a'],
    ['tenant-b', 'col_b'],
  ] as const) {
    await sql`insert into document_collection (id, tenant_id, name, description, metadata, chunking, created_at, updated_at)
      values (${collection}, ${tenant}, 'notes', null, '{"team": "x"}', '{"maxTokens": 200, "overlapTokens": 20}', ${now}, ${now})`.execute(
      db,
    );
    for (let index = 0; index < 3; index += 1) {
      const document = `${collection}_doc${index}`;
      await sql`insert into document (id, tenant_id, collection_id, title, title_given, source_name, media_type, byte_size,
          content_hash, metadata, status, stage, progress, error, chunk_count, character_count, created_at, updated_at)
        values (${document}, ${tenant}, ${collection}, ${`Doc ${index}`}, true, null, 'text/plain', 11, ${`hash${index}`},
          '{}', 'ready', 'done', null, null, 1, 11, ${now}, ${now})`.execute(db);
      await sql`insert into document_source (document_id, tenant_id, content)
        values (${document}, ${tenant}, ${Buffer.from([0, 255, 10, 13, index])})`.execute(db);
    }
    await sql`insert into retrieval_collection (collection_id, tenant_id, embedding_model, embedding_dimensions, chunk_count, lexical_length, created_at)
      values (${collection}, ${tenant}, 'local:use-lite', 3, 3, 9, ${now})`.execute(db);
    for (let index = 0; index < 3; index += 1) {
      const chunk = `${collection}_chunk${index}`;
      await sql`insert into retrieval_chunk (id, tenant_id, collection_id, document_id, ordinal, title, heading_path, content,
          start_offset, end_offset, page_start, page_end, token_count, metadata, search_vector, terms, term_hashes,
          term_frequencies, lexical_length)
        values (${chunk}, ${tenant}, ${collection}, ${`${collection}_doc${index}`}, 0, 'Doc', '["Intro"]', 'lighthouse keeper notes',
          0, 23, null, null, 3, '{}', to_tsvector('english', 'lighthouse keeper notes'), array['lighthous', 'keeper', 'note'],
          array[1, -2, 3], array[1, 1, 1], 3)`.execute(db);
      await sql`insert into retrieval_chunk_vector (chunk_id, tenant_id, collection_id, dimensions, embedding)
        values (${chunk}, ${tenant}, ${collection}, 3, ${`[0.125,${index},-1.5]`}::vector)`.execute(db);
    }
    await sql`insert into retrieval_term (collection_id, term, tenant_id, chunk_count)
      values (${collection}, 'keeper', ${tenant}, 3), (${collection}, 'lighthous', ${tenant}, 3)`.execute(db);
  }
}

describe('keel export / import file, PGlite to PGlite', () => {
  let source: Database;
  let lines: string[];
  beforeAll(async () => {
    source = (await openMigratedDatabase(embeddedTarget())).database;
    await createVectorSchema(source.db);
    await seed(source);
    lines = await exportToLines(source);
  }, 60_000);
  afterAll(async () => source?.close());

  async function freshTarget(): Promise<Database> {
    const target = (await openMigratedDatabase(embeddedTarget())).database;
    await createVectorSchema(target.db);
    return target;
  }

  it('writes a versioned header, one line per row and a trailer with the counts', () => {
    const header = JSON.parse(lines[0] ?? '{}');
    expect(header).toMatchObject({
      format: 'keel-export',
      version: 1,
      keelVersion: '0.0.0-test',
      tenant: null,
    });
    expect(header.tables).toContain('retrieval_chunk_vector');
    const trailer = JSON.parse(lines.at(-1) ?? '{}');
    expect(trailer.rows).toMatchObject({
      api_key: 2,
      document: 6,
      retrieval_chunk: 6,
      retrieval_chunk_vector: 6,
    });
    expect(lines).toHaveLength(
      2 + Object.values<number>(trailer.rows).reduce((sum, count) => sum + count, 0),
    );
    // Serial columns are the target's to number; key hashes travel, nothing else secret exists.
    expect(lines.some((line) => line.includes('"sequence"'))).toBe(false);
    expect(lines.some((line) => line.includes('scrypt$salt$hash'))).toBe(true);
    expect(lines.some((line) => line.includes('whsec-never-exported'))).toBe(false);
    expect(trailer.rows).toMatchObject({ eval_dataset: 1, eval_dataset_item: 2 });
  });

  it('round-trips every table exactly, embeddings and bytes included, and a second import skips it all', async () => {
    const target = await freshTarget();
    try {
      const report = await importPortable(target.db, iterate(lines));
      expect(report.imported).toMatchObject({ api_key: 2, retrieval_chunk_vector: 6, document_source: 6 });
      expect(report.unsupported).toEqual({});
      for (const table of PORTABLE_TABLES) {
        const exists = await sql<{ present: boolean }>`
          select to_regclass(${table}) is not null as present`.execute(source.db);
        if (!exists.rows[0]?.present) continue;
        expect(await rowsOf(target, table), table).toEqual(await rowsOf(source, table));
      }
      const again = await importPortable(target.db, iterate(lines));
      expect(Object.values(again.imported).every((count) => count === 0)).toBe(true);
      expect(again.skipped).toMatchObject({ api_key: 2, retrieval_chunk: 6 });
    } finally {
      await target.close();
    }
  });

  it('exports one tenant with --tenant', async () => {
    const only = await exportToLines(source, 'tenant-b');
    const rows = only.slice(1, -1).map((line) => JSON.parse(line).row as { tenant_id?: string });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.tenant_id === undefined || row.tenant_id === 'tenant-b')).toBe(true);
  });

  it('refuses a truncated, foreign, future or inconsistent file and imports nothing', async () => {
    const target = await freshTarget();
    try {
      const header = JSON.parse(lines[0] ?? '{}');
      const cases: Array<[string[], RegExp]> = [
        [lines.slice(0, -1), /truncated/],
        [[], /empty/],
        [['{"hello": 1}'], /not a Keel export/],
        [[JSON.stringify({ ...header, version: 9 }), ...lines.slice(1)], /version 9 is not supported/],
        [[JSON.stringify({ ...header, migrations: ['9999-future'] }), ...lines.slice(1)], /newer Keel/],
        [[...lines.slice(0, -2), lines.at(-1) ?? ''], /trailer counts/],
        [[lines[0] ?? '', '{"table": "job", "row": {}}'], /does not list/],
        [[lines[0] ?? '', 'not json'], /not JSON/],
      ];
      for (const [content, message] of cases) {
        await expect(importPortable(target.db, iterate(content))).rejects.toThrow(PortableFileError);
        await expect(importPortable(target.db, iterate(content))).rejects.toThrow(message);
      }
      const { rows } = await sql<{ count: number }>`select count(*)::int as count from api_key`.execute(
        target.db,
      );
      expect(rows[0]?.count).toBe(0);
    } finally {
      await target.close();
    }
  });
});
