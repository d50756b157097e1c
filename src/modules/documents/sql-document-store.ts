import { type Kysely, type Selectable, sql } from 'kysely';
import { jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import type { ChunkMetadata } from '../retrieval/index.ts';
import type { ChunkingOptions } from './chunking/chunker.ts';
import { decodeCursor, encodeCursor } from './document.cursor.ts';
import type {
  CollectionRecord,
  DocumentPatch,
  DocumentProblem,
  DocumentProgress,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  IngestionStage,
  Page,
  PageQuery,
} from './document-store.port.ts';
import { collectionExists } from './memory-document-store.ts';

type CollectionRow = Selectable<KeelTables['document_collection']>;
type DocumentRow = Selectable<KeelTables['document']>;

/** Collections and documents in PostgreSQL or PGlite (same SQL for both). */
export class SqlDocumentStore implements DocumentStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async createCollection(collection: CollectionRecord): Promise<void> {
    const inserted = await this.#db
      .insertInto('document_collection')
      .values({
        id: collection.id,
        tenant_id: collection.tenantId,
        name: collection.name,
        description: collection.description,
        metadata: jsonParameter(collection.metadata),
        chunking: jsonParameter(collection.chunking),
        created_at: collection.createdAt,
        updated_at: collection.updatedAt,
      })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'name']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      const existing = await this.findCollectionByName(collection.tenantId, collection.name);
      throw collectionExists(collection.name, existing?.id);
    }
  }

  async getCollection(tenantId: string, id: string): Promise<CollectionRecord | undefined> {
    const row = await this.#db
      .selectFrom('document_collection')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toCollection(row) : undefined;
  }

  async findCollectionByName(tenantId: string, name: string): Promise<CollectionRecord | undefined> {
    const row = await this.#db
      .selectFrom('document_collection')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? toCollection(row) : undefined;
  }

  async listCollections(tenantId: string, query: PageQuery): Promise<Page<CollectionRecord>> {
    let statement = this.#db.selectFrom('document_collection').selectAll().where('tenant_id', '=', tenantId);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(
        sql<boolean>`(created_at, sequence) < (${after.createdAt}::timestamptz, ${after.sequence}::bigint)`,
      );
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('sequence', 'desc')
      .limit(query.limit + 1)
      .execute();
    return toPage(rows, query.limit, toCollection);
  }

  async deleteCollection(tenantId: string, id: string): Promise<boolean> {
    // Documents and their sources cascade.
    const result = await this.#db
      .deleteFrom('document_collection')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async countDocuments(tenantId: string, collectionId: string): Promise<Record<DocumentStatus, number>> {
    const rows = await this.#db
      .selectFrom('document')
      .select(['status', (expression) => expression.fn.countAll<string>().as('count')])
      .where('tenant_id', '=', tenantId)
      .where('collection_id', '=', collectionId)
      .groupBy('status')
      .execute();
    const counts: Record<DocumentStatus, number> = { queued: 0, processing: 0, ready: 0, failed: 0 };
    for (const row of rows) counts[row.status as DocumentStatus] = Number(row.count);
    return counts;
  }

  async insertDocument(
    document: DocumentRecord,
    source: Uint8Array,
  ): Promise<{ document: DocumentRecord; created: boolean }> {
    return this.#db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto('document')
        .values({
          id: document.id,
          tenant_id: document.tenantId,
          collection_id: document.collectionId,
          title: document.title,
          title_given: document.titleGiven,
          source_name: document.sourceName,
          media_type: document.mediaType,
          byte_size: document.byteSize,
          content_hash: document.contentHash,
          metadata: jsonParameter(document.metadata),
          status: document.status,
          stage: document.stage,
          progress: jsonParameter(document.progress),
          error: jsonParameter(document.error),
          chunk_count: document.chunkCount,
          character_count: document.characterCount,
          created_at: document.createdAt,
          updated_at: document.updatedAt,
        })
        .onConflict((conflict) =>
          conflict.columns(['tenant_id', 'collection_id', 'content_hash']).doNothing(),
        )
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        const existing = await transaction
          .selectFrom('document')
          .selectAll()
          .where('tenant_id', '=', document.tenantId)
          .where('collection_id', '=', document.collectionId)
          .where('content_hash', '=', document.contentHash)
          .executeTakeFirstOrThrow();
        return { document: toDocument(existing), created: false };
      }
      await transaction
        .insertInto('document_source')
        .values({ document_id: document.id, tenant_id: document.tenantId, content: source })
        .execute();
      return { document, created: true };
    });
  }

  async getDocument(tenantId: string, id: string): Promise<DocumentRecord | undefined> {
    const row = await this.#db
      .selectFrom('document')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDocument(row) : undefined;
  }

  async listDocuments(
    tenantId: string,
    collectionId: string,
    query: PageQuery & { readonly status?: DocumentStatus | undefined },
  ): Promise<Page<DocumentRecord>> {
    let statement = this.#db
      .selectFrom('document')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('collection_id', '=', collectionId);
    if (query.status !== undefined) statement = statement.where('status', '=', query.status);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(
        sql<boolean>`(created_at, sequence) < (${after.createdAt}::timestamptz, ${after.sequence}::bigint)`,
      );
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('sequence', 'desc')
      .limit(query.limit + 1)
      .execute();
    return toPage(rows, query.limit, toDocument);
  }

  async readSource(tenantId: string, id: string): Promise<Uint8Array | undefined> {
    const row = await this.#db
      .selectFrom('document_source')
      .select('content')
      .where('tenant_id', '=', tenantId)
      .where('document_id', '=', id)
      .executeTakeFirst();
    return row ? new Uint8Array(row.content) : undefined;
  }

  async updateDocument(
    tenantId: string,
    id: string,
    patch: DocumentPatch,
  ): Promise<DocumentRecord | undefined> {
    const row = await this.#db
      .updateTable('document')
      .set({
        updated_at: patch.updatedAt,
        ...(patch.title === undefined ? {} : { title: patch.title }),
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.stage === undefined ? {} : { stage: patch.stage }),
        ...(patch.progress === undefined ? {} : { progress: jsonParameter(patch.progress) }),
        ...(patch.error === undefined ? {} : { error: jsonParameter(patch.error) }),
        ...(patch.chunkCount === undefined ? {} : { chunk_count: patch.chunkCount }),
        ...(patch.characterCount === undefined ? {} : { character_count: patch.characterCount }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toDocument(row) : undefined;
  }

  async deleteDocument(tenantId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('document')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async pendingDocuments(limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    const rows = await this.#db
      .selectFrom('document')
      .select(['tenant_id', 'id'])
      .where('status', 'in', ['queued', 'processing'])
      .orderBy('created_at')
      .orderBy('sequence')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  async requeueCollection(tenantId: string, collectionId: string, at: Date): Promise<string[]> {
    const rows = await this.#db
      .updateTable('document')
      .set({ status: 'queued', stage: 'received', progress: 'null', error: 'null', updated_at: at })
      .where('tenant_id', '=', tenantId)
      .where('collection_id', '=', collectionId)
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }
}

function toPage<Row extends { created_at: Date; sequence: string }, T>(
  rows: Row[],
  limit: number,
  convert: (row: Row) => T,
): Page<T> {
  return pageOf(rows, limit, convert, (last) =>
    encodeCursor({ createdAt: new Date(last.created_at), sequence: String(last.sequence) }),
  );
}

function parsed<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toCollection(row: CollectionRow): CollectionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    metadata: parsed<ChunkMetadata>(row.metadata),
    chunking: parsed<ChunkingOptions>(row.chunking),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toDocument(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    collectionId: row.collection_id,
    title: row.title,
    titleGiven: row.title_given,
    sourceName: row.source_name,
    mediaType: row.media_type,
    byteSize: row.byte_size,
    contentHash: row.content_hash,
    metadata: parsed<ChunkMetadata>(row.metadata),
    status: row.status as DocumentStatus,
    stage: row.stage as IngestionStage,
    progress: parsed<DocumentProgress | null>(row.progress),
    error: parsed<DocumentProblem | null>(row.error),
    chunkCount: row.chunk_count,
    characterCount: row.character_count,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
