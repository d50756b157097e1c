import { type Kysely, sql, type Transaction } from 'kysely';
import {
  createVectorSchema,
  type Database,
  jsonParameter,
  type KeelTables,
} from '../../platform/db/index.ts';
import { LEXICAL_CANDIDATE_BUDGET } from './bm25.ts';
import {
  BM25,
  type ChunkIndex,
  type ChunkInput,
  type ChunkVector,
  type DocumentRef,
  embeddingText,
  type IndexedCollection,
  type IndexHit,
  type SearchScope,
  type StoredChunk,
} from './chunk-index.port.ts';
import { embeddingMismatch } from './memory-chunk-index.ts';
import type { ChunkMetadata } from './metadata-filter.ts';
import { sqlLexicalSearch, TEXT_SEARCH_CONFIG } from './sql-lexical-search.ts';
import { ensureVectorIndex, sqlVectorSearch, vectorLiteral } from './sql-vector-search.ts';

export interface SqlChunkIndexOptions {
  readonly vectorSupported: boolean;
  /** See `candidateTerms`: how many chunks the query's terms may bring in before common ones only score. */
  readonly candidateBudget?: number;
}

/** The retrieval index in PostgreSQL or PGlite: tsvector + GIN with BM25 statistics, pgvector HNSW. */
export class SqlChunkIndex implements ChunkIndex {
  readonly vectorSupported: boolean;
  readonly #db: Kysely<KeelTables>;
  readonly #candidateBudget: number;
  readonly #indexedDimensions = new Set<number>();

  constructor(db: Kysely<KeelTables>, options: SqlChunkIndexOptions) {
    this.#db = db;
    this.vectorSupported = options.vectorSupported;
    this.#candidateBudget = options.candidateBudget ?? LEXICAL_CANDIDATE_BUDGET;
  }

  /** Opens the index on a migrated database; completes the vector schema if pgvector arrived later. */
  static async open(database: Database, options: Omit<SqlChunkIndexOptions, 'vectorSupported'> = {}) {
    if (database.vector) await createVectorSchema(database.db);
    return new SqlChunkIndex(database.db, { ...options, vectorSupported: database.vector });
  }

  async ensureCollection(
    tenantId: string,
    collectionId: string,
    embeddingModel: string | null,
  ): Promise<IndexedCollection> {
    await sql`
      insert into retrieval_collection (collection_id, tenant_id, embedding_model, created_at)
      values (${collectionId}, ${tenantId}, ${embeddingModel}, now())
      on conflict (collection_id) do nothing`.execute(this.#db);
    const [collection] = await this.getCollections(tenantId, [collectionId]);
    if (!collection) throw new Error(`collection ${collectionId} is registered to another tenant`);
    return collection;
  }

  async getCollections(tenantId: string, collectionIds: readonly string[]): Promise<IndexedCollection[]> {
    if (collectionIds.length === 0) return [];
    const { rows } = await sql<CollectionRow>`
      select collection_id, tenant_id, embedding_model, embedding_dimensions, chunk_count::float8 as chunk_count
      from retrieval_collection
      where tenant_id = ${tenantId} and collection_id = any(${[...collectionIds]}::text[])`.execute(this.#db);
    return rows.map(toCollection);
  }

  async deleteCollection(tenantId: string, collectionId: string): Promise<void> {
    // Chunks, their vectors and the term statistics cascade.
    await sql`delete from retrieval_collection where tenant_id = ${tenantId} and collection_id = ${collectionId}`.execute(
      this.#db,
    );
  }

  async resetEmbeddings(
    tenantId: string,
    collectionId: string,
    embeddingModel: string | null,
  ): Promise<void> {
    await this.#db.transaction().execute(async (transaction) => {
      if (this.vectorSupported) {
        await sql`delete from retrieval_chunk_vector where tenant_id = ${tenantId} and collection_id = ${collectionId}`.execute(
          transaction,
        );
      }
      await sql`
        update retrieval_collection set embedding_model = ${embeddingModel}, embedding_dimensions = null
        where tenant_id = ${tenantId} and collection_id = ${collectionId}`.execute(transaction);
    });
  }

  async replaceDocumentChunks(document: DocumentRef, chunks: readonly ChunkInput[]): Promise<void> {
    await this.#db.transaction().execute(async (transaction) => {
      await lockCollection(transaction, document.tenantId, document.collectionId);
      await removeDocumentChunks(transaction, document.tenantId, document.documentId);
      if (chunks.length === 0) return;
      const context = (chunk: ChunkInput) => [document.title, ...chunk.position.headingPath].join(' ');
      await sql`
        insert into retrieval_chunk (
          id, tenant_id, collection_id, document_id, ordinal, title, heading_path, content, start_offset, end_offset,
          page_start, page_end, token_count, metadata, search_vector, terms, term_hashes, term_frequencies, lexical_length)
        select x.id, ${document.tenantId}, ${document.collectionId}, ${document.documentId}, x.ordinal, ${document.title},
          x.heading_path::jsonb, x.content, x.start_offset, x.end_offset, x.page_start, x.page_end, x.token_count,
          ${jsonParameter(document.metadata)}::jsonb, v.search_vector,
          coalesce(s.terms, '{}'), coalesce(s.hashes, '{}'), coalesce(s.frequencies, '{}'), coalesce(s.length, 0)
        from unnest(
          ${chunks.map((chunk) => chunk.id)}::text[], ${chunks.map((chunk) => chunk.position.ordinal)}::int[],
          ${chunks.map((chunk) => JSON.stringify(chunk.position.headingPath))}::text[],
          ${chunks.map((chunk) => chunk.content)}::text[], ${chunks.map(context)}::text[],
          ${chunks.map((chunk) => chunk.position.start)}::int[], ${chunks.map((chunk) => chunk.position.end)}::int[],
          ${chunks.map((chunk) => chunk.position.pageStart)}::int[], ${chunks.map((chunk) => chunk.position.pageEnd)}::int[],
          ${chunks.map((chunk) => chunk.tokenCount)}::int[]
        ) as x(id, ordinal, heading_path, content, context, start_offset, end_offset, page_start, page_end, token_count)
        cross join lateral (
          select setweight(to_tsvector(${TEXT_SEARCH_CONFIG}::regconfig, x.context), 'A')
            || to_tsvector(${TEXT_SEARCH_CONFIG}::regconfig, x.content) as search_vector
        ) v
        cross join lateral (
          select array_agg(lexeme order by lexeme) as terms,
            array_agg(hashtext(lexeme) order by lexeme) as hashes,
            array_agg(${termFrequency} order by lexeme) as frequencies,
            sum(${termFrequency})::int as length
          from unnest(v.search_vector)
        ) s`.execute(transaction);
      await sql`
        insert into retrieval_term (collection_id, term, tenant_id, chunk_count)
        select ${document.collectionId}, t.term, ${document.tenantId}, count(*)::int
        from retrieval_chunk c cross join unnest(c.terms) as t(term)
        where c.tenant_id = ${document.tenantId} and c.document_id = ${document.documentId}
        group by t.term order by t.term
        on conflict (collection_id, term) do update set chunk_count = retrieval_term.chunk_count + excluded.chunk_count`.execute(
        transaction,
      );
      await sql`
        update retrieval_collection r set chunk_count = r.chunk_count + s.chunks, lexical_length = r.lexical_length + s.length
        from (
          select count(*) as chunks, coalesce(sum(lexical_length), 0) as length from retrieval_chunk
          where tenant_id = ${document.tenantId} and document_id = ${document.documentId}
        ) s
        where r.tenant_id = ${document.tenantId} and r.collection_id = ${document.collectionId}`.execute(
        transaction,
      );
    });
  }

  async deleteDocumentChunks(tenantId: string, documentId: string): Promise<number> {
    return this.#db.transaction().execute(async (transaction) => {
      const { rows } = await sql<{ collection_id: string }>`
        select distinct collection_id from retrieval_chunk where tenant_id = ${tenantId} and document_id = ${documentId}`.execute(
        transaction,
      );
      for (const row of rows) await lockCollection(transaction, tenantId, row.collection_id);
      return removeDocumentChunks(transaction, tenantId, documentId);
    });
  }

  async listDocumentChunks(
    tenantId: string,
    documentId: string,
    page: { readonly offset: number; readonly limit: number },
  ): Promise<{ items: StoredChunk[]; total: number; embedded: number }> {
    const embedded = this.vectorSupported
      ? sql<number>`(select count(*) from retrieval_chunk_vector v join retrieval_chunk c on c.id = v.chunk_id
          where c.tenant_id = ${tenantId} and c.document_id = ${documentId})::int`
      : sql<number>`0`;
    const [{ rows: counts }, { rows }] = await Promise.all([
      sql<{ total: number; embedded: number }>`
        select (select count(*) from retrieval_chunk where tenant_id = ${tenantId} and document_id = ${documentId})::int as total,
          ${embedded} as embedded`.execute(this.#db),
      sql<ChunkRow>`
        select ${chunkColumns} from retrieval_chunk
        where tenant_id = ${tenantId} and document_id = ${documentId}
        order by ordinal offset ${page.offset} limit ${page.limit}`.execute(this.#db),
    ]);
    return { items: rows.map(toChunk), total: counts[0]?.total ?? 0, embedded: counts[0]?.embedded ?? 0 };
  }

  async getChunks(tenantId: string, chunkIds: readonly string[]): Promise<StoredChunk[]> {
    if (chunkIds.length === 0) return [];
    const { rows } = await sql<ChunkRow>`
      select ${chunkColumns} from retrieval_chunk
      where tenant_id = ${tenantId} and id = any(${[...chunkIds]}::text[])`.execute(this.#db);
    const byId = new Map(rows.map((row) => [row.id, toChunk(row)]));
    return chunkIds.flatMap((id) => byId.get(id) ?? []);
  }

  async chunksToEmbed(
    tenantId: string,
    documentId: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; text: string }>> {
    if (!this.vectorSupported) return [];
    const { rows } = await sql<{ id: string; title: string; heading_path: string[]; content: string }>`
      select c.id, c.title, c.heading_path, c.content from retrieval_chunk c
      where c.tenant_id = ${tenantId} and c.document_id = ${documentId}
        and not exists (select 1 from retrieval_chunk_vector v where v.chunk_id = c.id)
      order by c.ordinal limit ${limit}`.execute(this.#db);
    return rows.map((row) => ({
      chunkId: row.id,
      text: embeddingText(row.title, parseJson<string[]>(row.heading_path), row.content),
    }));
  }

  async storeEmbeddings(
    tenantId: string,
    collectionId: string,
    embeddingModel: string,
    vectors: readonly ChunkVector[],
  ): Promise<void> {
    if (!this.vectorSupported || vectors.length === 0) return;
    const dimensions = vectors[0]?.embedding.length ?? 0;
    await this.#db.transaction().execute(async (transaction) => {
      const { rows } = await sql<{ embedding_model: string | null; embedding_dimensions: number | null }>`
        select embedding_model, embedding_dimensions from retrieval_collection
        where tenant_id = ${tenantId} and collection_id = ${collectionId} for update`.execute(transaction);
      const state = rows[0];
      if (!state) return;
      if (
        vectors.some((vector) => vector.embedding.length !== dimensions) ||
        (state.embedding_model !== null && state.embedding_model !== embeddingModel) ||
        (state.embedding_dimensions !== null && state.embedding_dimensions !== dimensions)
      ) {
        throw embeddingMismatch(
          collectionId,
          state.embedding_model,
          state.embedding_dimensions,
          embeddingModel,
          dimensions,
        );
      }
      if (state.embedding_model === null || state.embedding_dimensions === null) {
        await sql`
          update retrieval_collection set embedding_model = ${embeddingModel}, embedding_dimensions = ${dimensions}
          where tenant_id = ${tenantId} and collection_id = ${collectionId}`.execute(transaction);
      }
      // Chunks deleted while they were being embedded are skipped, not an error.
      await sql`
        insert into retrieval_chunk_vector (chunk_id, tenant_id, collection_id, dimensions, embedding)
        select x.id, ${tenantId}, ${collectionId}, ${dimensions}, x.embedding::vector
        from unnest(${vectors.map((vector) => vector.chunkId)}::text[], ${vectors.map((vector) => vectorLiteral(vector.embedding))}::text[])
          as x(id, embedding)
        where exists (
          select 1 from retrieval_chunk c where c.id = x.id and c.tenant_id = ${tenantId} and c.collection_id = ${collectionId}
        )
        on conflict (chunk_id) do update set embedding = excluded.embedding, dimensions = excluded.dimensions`.execute(
        transaction,
      );
    });
    if (!this.#indexedDimensions.has(dimensions)) {
      await ensureVectorIndex(this.#db, dimensions);
      this.#indexedDimensions.add(dimensions);
    }
  }

  async searchLexical(scope: SearchScope, query: string): Promise<IndexHit[]> {
    if (scope.collectionIds.length === 0) return [];
    return sqlLexicalSearch(this.#db, scope, query, this.#candidateBudget);
  }

  async searchVector(scope: SearchScope, embedding: readonly number[]): Promise<IndexHit[]> {
    if (!this.vectorSupported || scope.collectionIds.length === 0) return [];
    return sqlVectorSearch(this.#db, scope, embedding);
  }
}

/** A title or heading lexeme counts `titleWeight` times (BM25F-style), a body one once. */
const termFrequency = sql.raw(
  `cardinality(positions) + ${BM25.titleWeight - 1} * coalesce(cardinality(array_positions(weights, 'A')), 0)`,
);

const chunkColumns = sql.raw(
  'id, tenant_id, collection_id, document_id, ordinal, title, heading_path, content, start_offset, end_offset, page_start, page_end, token_count, metadata',
);

/** Writers of one collection take turns, so term statistics never deadlock or drift. */
async function lockCollection(transaction: Transaction<KeelTables>, tenantId: string, collectionId: string) {
  await sql`select 1 from retrieval_collection where tenant_id = ${tenantId} and collection_id = ${collectionId} for update`.execute(
    transaction,
  );
}

async function removeDocumentChunks(
  transaction: Transaction<KeelTables>,
  tenantId: string,
  documentId: string,
): Promise<number> {
  // A new document has nothing to remove: one indexed lookup instead of four statements.
  const { rows } = await sql<{ present: boolean }>`
    select exists (select 1 from retrieval_chunk where tenant_id = ${tenantId} and document_id = ${documentId}) as present`.execute(
    transaction,
  );
  if (!rows[0]?.present) return 0;
  await sql`
    update retrieval_term t set chunk_count = t.chunk_count - d.chunks
    from (
      select c.collection_id, x.term, count(*)::int as chunks
      from retrieval_chunk c cross join unnest(c.terms) as x(term)
      where c.tenant_id = ${tenantId} and c.document_id = ${documentId}
      group by c.collection_id, x.term
    ) d
    where t.collection_id = d.collection_id and t.term = d.term`.execute(transaction);
  await sql`
    delete from retrieval_term t
    where t.chunk_count <= 0 and (t.collection_id, t.term) in (
      select c.collection_id, x.term from retrieval_chunk c cross join unnest(c.terms) as x(term)
      where c.tenant_id = ${tenantId} and c.document_id = ${documentId}
    )`.execute(transaction);
  await sql`
    update retrieval_collection r set chunk_count = r.chunk_count - s.chunks, lexical_length = r.lexical_length - s.length
    from (
      select collection_id, count(*) as chunks, coalesce(sum(lexical_length), 0) as length from retrieval_chunk
      where tenant_id = ${tenantId} and document_id = ${documentId} group by collection_id
    ) s
    where r.collection_id = s.collection_id`.execute(transaction);
  const deleted = await sql`
    delete from retrieval_chunk where tenant_id = ${tenantId} and document_id = ${documentId}`.execute(
    transaction,
  );
  return Number(deleted.numAffectedRows ?? 0);
}

interface CollectionRow {
  collection_id: string;
  tenant_id: string;
  embedding_model: string | null;
  embedding_dimensions: number | null;
  chunk_count: number;
}

function toCollection(row: CollectionRow): IndexedCollection {
  return {
    collectionId: row.collection_id,
    tenantId: row.tenant_id,
    embeddingModel: row.embedding_model,
    embeddingDimensions: row.embedding_dimensions,
    chunkCount: Number(row.chunk_count),
  };
}

interface ChunkRow {
  id: string;
  tenant_id: string;
  collection_id: string;
  document_id: string;
  ordinal: number;
  title: string;
  heading_path: string[] | string;
  content: string;
  start_offset: number;
  end_offset: number;
  page_start: number | null;
  page_end: number | null;
  token_count: number;
  metadata: ChunkMetadata | string;
}

function toChunk(row: ChunkRow): StoredChunk {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    collectionId: row.collection_id,
    documentId: row.document_id,
    title: row.title,
    content: row.content,
    tokenCount: row.token_count,
    metadata: parseJson<ChunkMetadata>(row.metadata),
    position: {
      ordinal: row.ordinal,
      start: row.start_offset,
      end: row.end_offset,
      pageStart: row.page_start,
      pageEnd: row.page_end,
      headingPath: parseJson<string[]>(row.heading_path),
    },
  };
}

function parseJson<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}
