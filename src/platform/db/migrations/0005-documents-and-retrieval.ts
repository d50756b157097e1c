import { type Kysely, sql } from 'kysely';

/**
 * Documents (collections, documents, their source bytes) and the retrieval index (chunks with their
 * full-text vector and BM25 statistics; vectors when pgvector is there). The same migration runs on PGlite
 * (pgvector loaded) and on a PostgreSQL without pgvector: the vector table is created only when the
 * extension is installed, and `createVectorSchema` completes the schema later if pgvector appears.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('document_collection')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('chunking', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .addUniqueConstraint('document_collection_tenant_name', ['tenant_id', 'name'])
    .execute();

  await db.schema
    .createTable('document')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('collection_id', 'text', (column) =>
      column.notNull().references('document_collection.id').onDelete('cascade'),
    )
    .addColumn('title', 'text', (column) => column.notNull())
    // False when Keel chose the title (file name, then the document's own title once parsed).
    .addColumn('title_given', 'boolean', (column) => column.notNull())
    .addColumn('source_name', 'text')
    .addColumn('media_type', 'text', (column) => column.notNull())
    .addColumn('byte_size', 'integer', (column) => column.notNull())
    .addColumn('content_hash', 'text', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('stage', 'text', (column) => column.notNull())
    .addColumn('progress', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('chunk_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('character_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    // Content-hash dedup: the same bytes twice in one collection are one document.
    .addUniqueConstraint('document_collection_hash', ['tenant_id', 'collection_id', 'content_hash'])
    .execute();
  await db.schema
    .createIndex('document_tenant_collection_recent')
    .on('document')
    .columns(['tenant_id', 'collection_id', 'created_at desc', 'sequence desc'])
    .execute();
  await sql`create index document_pending on document (created_at) where status in ('queued', 'processing')`.execute(
    db,
  );

  await db.schema
    .createTable('document_source')
    .addColumn('document_id', 'text', (column) =>
      column.primaryKey().references('document.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('content', 'bytea', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('retrieval_collection')
    .addColumn('collection_id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('embedding_model', 'text')
    .addColumn('embedding_dimensions', 'integer')
    .addColumn('chunk_count', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('lexical_length', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('retrieval_chunk')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('collection_id', 'text', (column) =>
      column.notNull().references('retrieval_collection.collection_id').onDelete('cascade'),
    )
    .addColumn('document_id', 'text', (column) => column.notNull())
    .addColumn('ordinal', 'integer', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('heading_path', 'jsonb', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('start_offset', 'integer', (column) => column.notNull())
    .addColumn('end_offset', 'integer', (column) => column.notNull())
    .addColumn('page_start', 'integer')
    .addColumn('page_end', 'integer')
    .addColumn('token_count', 'integer', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('search_vector', sql`tsvector`, (column) => column.notNull())
    // BM25 needs each chunk's term frequencies and length, which a tsvector does not expose cheaply.
    .addColumn('terms', sql`text[]`, (column) => column.notNull())
    // hashtext() of each lexeme, in the same order: integer comparisons make scoring twice as fast.
    .addColumn('term_hashes', sql`integer[]`, (column) => column.notNull())
    .addColumn('term_frequencies', sql`integer[]`, (column) => column.notNull())
    .addColumn('lexical_length', 'integer', (column) => column.notNull())
    .execute();
  await sql`create index retrieval_chunk_search on retrieval_chunk using gin (search_vector)`.execute(db);
  await db.schema
    .createIndex('retrieval_chunk_document')
    .on('retrieval_chunk')
    .columns(['tenant_id', 'document_id', 'ordinal'])
    .execute();
  await db.schema
    .createIndex('retrieval_chunk_collection')
    .on('retrieval_chunk')
    .column('collection_id')
    .execute();

  // Chunk frequency of each term per collection: the `df` of BM25's idf, kept with every write.
  await db.schema
    .createTable('retrieval_term')
    .addColumn('collection_id', 'text', (column) =>
      column.notNull().references('retrieval_collection.collection_id').onDelete('cascade'),
    )
    .addColumn('term', 'text', (column) => column.notNull())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('chunk_count', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('retrieval_term_pk', ['collection_id', 'term'])
    .execute();

  if (await vectorExtensionInstalled(db)) await createVectorSchema(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists retrieval_chunk_vector`.execute(db);
  await db.schema.dropTable('retrieval_term').execute();
  await db.schema.dropTable('retrieval_chunk').execute();
  await db.schema.dropTable('retrieval_collection').execute();
  await db.schema.dropTable('document_source').execute();
  await db.schema.dropTable('document').execute();
  await db.schema.dropTable('document_collection').execute();
}

// Generic over the tables: migrations hold a Kysely<unknown>, the retrieval index a Kysely<KeelTables>.
export async function vectorExtensionInstalled<Tables>(db: Kysely<Tables>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    select exists (select 1 from pg_extension where extname = 'vector') as present`.execute(db);
  return rows[0]?.present === true;
}

/**
 * The dense side of the index: one vector per chunk, deleted with its chunk. The column has no fixed
 * dimension (collections may use different embedders); each dimension gets its own partial HNSW index,
 * created when the first vectors of that dimension are stored. Idempotent.
 */
export async function createVectorSchema<Tables>(db: Kysely<Tables>): Promise<void> {
  await sql`
    create table if not exists retrieval_chunk_vector (
      chunk_id text primary key references retrieval_chunk (id) on delete cascade,
      tenant_id text not null,
      collection_id text not null,
      dimensions integer not null,
      embedding vector not null
    )`.execute(db);
  await sql`create index if not exists retrieval_chunk_vector_collection on retrieval_chunk_vector (collection_id)`.execute(
    db,
  );
}
