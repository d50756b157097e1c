import { type Kysely, sql } from 'kysely';
import type { KeelTables } from '../../platform/db/index.ts';
import type { IndexHit, SearchScope } from './chunk-index.port.ts';
import { needsChunkJoin, scopeFilterSql } from './sql-filters.ts';

/** pgvector's HNSW indexes `vector` columns of up to 2,000 dimensions; larger vectors are scanned exactly. */
export const HNSW_MAX_DIMENSIONS = 2_000;

/** `[0.1,0.2,...]`, pgvector's text input. */
export function vectorLiteral(embedding: readonly number[]): string {
  return `[${embedding.join(',')}]`;
}

export function assertDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000) {
    throw new Error(`an embedding must have 1 to 16000 dimensions, got ${dimensions}`);
  }
}

/** One partial HNSW index (cosine) per dimension, so collections of different embedders coexist. */
export async function ensureVectorIndex(db: Kysely<KeelTables>, dimensions: number): Promise<void> {
  assertDimensions(dimensions);
  if (dimensions > HNSW_MAX_DIMENSIONS) return;
  try {
    await sql`
      create index if not exists ${sql.ref(`retrieval_chunk_vector_hnsw_${dimensions}`)}
      on retrieval_chunk_vector using hnsw ((embedding::vector(${sql.lit(dimensions)})) vector_cosine_ops)
      where dimensions = ${sql.lit(dimensions)}`.execute(db);
  } catch (error) {
    // Another process created it between our check and our create.
    const code = (error as { code?: string }).code;
    if (code !== '42P07' && code !== '23505') throw error;
  }
}

/**
 * Nearest chunks by cosine distance through the HNSW index of the query's dimension. Filters (tenant,
 * collections, metadata) apply after the index scan, so pgvector's iterative scan keeps reading the
 * graph until enough rows pass them; the outer query restores the exact order it relaxes.
 */
export async function sqlVectorSearch(
  db: Kysely<KeelTables>,
  scope: SearchScope,
  embedding: readonly number[],
): Promise<IndexHit[]> {
  const dimensions = embedding.length;
  assertDimensions(dimensions);
  const type = sql.raw(`vector(${dimensions})`);
  const join = needsChunkJoin(scope.filter, scope.documentIds)
    ? sql`join retrieval_chunk c on c.id = v.chunk_id and c.tenant_id = v.tenant_id and ${scopeFilterSql(scope.filter, scope.documentIds)}`
    : sql``;
  return db.transaction().execute(async (transaction) => {
    await sql`select set_config('hnsw.ef_search', ${String(Math.min(1_000, Math.max(40, scope.limit)))}, true),
                     set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(transaction);
    const { rows } = await sql<{ chunk_id: string; distance: number }>`
      with nearest as materialized (
        select v.chunk_id, (v.embedding::${type} <=> ${vectorLiteral(embedding)}::${type})::float8 as distance
        from retrieval_chunk_vector v ${join}
        where v.tenant_id = ${scope.tenantId}
          and v.collection_id = any(${[...scope.collectionIds]}::text[])
          and v.dimensions = ${sql.lit(dimensions)}
        order by v.embedding::${type} <=> ${vectorLiteral(embedding)}::${type}
        limit ${scope.limit}
      )
      select chunk_id, distance from nearest order by distance, chunk_id`.execute(transaction);
    return rows.map((row) => ({ chunkId: row.chunk_id, score: 1 - row.distance }));
  });
}
