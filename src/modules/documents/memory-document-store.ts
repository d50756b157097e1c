import { AppError } from '../../platform/errors/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { type DocumentCursor, decodeCursor, encodeCursor } from './document.cursor.ts';
import type {
  CollectionRecord,
  DocumentPatch,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  Page,
  PageQuery,
} from './document-store.port.ts';
import { documentErrors } from './documents.errors.ts';

interface Row<T> {
  record: T;
  sequence: bigint;
}

/** In-memory adapter for unit tests and as the reference behaviour of the contract suite. */
export class MemoryDocumentStore implements DocumentStore {
  readonly #collections = new Map<string, Row<CollectionRecord>>();
  readonly #documents = new Map<string, Row<DocumentRecord>>();
  readonly #sources = new Map<string, Uint8Array>();
  #sequence = 0n;

  async createCollection(collection: CollectionRecord): Promise<void> {
    const taken = [...this.#collections.values()].find(
      (row) => row.record.tenantId === collection.tenantId && row.record.name === collection.name,
    );
    if (taken) throw collectionExists(collection.name, taken.record.id);
    this.#collections.set(collection.id, { record: structuredClone(collection), sequence: this.#next() });
  }

  async getCollection(tenantId: string, id: string): Promise<CollectionRecord | undefined> {
    const row = this.#collections.get(id);
    return row?.record.tenantId === tenantId ? structuredClone(row.record) : undefined;
  }

  async findCollectionByName(tenantId: string, name: string): Promise<CollectionRecord | undefined> {
    const row = [...this.#collections.values()].find(
      (candidate) => candidate.record.tenantId === tenantId && candidate.record.name === name,
    );
    return row ? structuredClone(row.record) : undefined;
  }

  async listCollections(tenantId: string, query: PageQuery): Promise<Page<CollectionRecord>> {
    return page(
      [...this.#collections.values()].filter((row) => row.record.tenantId === tenantId),
      query,
    );
  }

  async deleteCollection(tenantId: string, id: string): Promise<boolean> {
    if (this.#collections.get(id)?.record.tenantId !== tenantId) return false;
    this.#collections.delete(id);
    for (const [documentId, row] of this.#documents) {
      if (row.record.collectionId === id) {
        this.#documents.delete(documentId);
        this.#sources.delete(documentId);
      }
    }
    return true;
  }

  async countDocuments(tenantId: string, collectionId: string): Promise<Record<DocumentStatus, number>> {
    const counts: Record<DocumentStatus, number> = { queued: 0, processing: 0, ready: 0, failed: 0 };
    for (const { record } of this.#documents.values()) {
      if (record.tenantId === tenantId && record.collectionId === collectionId) counts[record.status] += 1;
    }
    return counts;
  }

  async insertDocument(
    document: DocumentRecord,
    source: Uint8Array,
  ): Promise<{ document: DocumentRecord; created: boolean }> {
    const existing = [...this.#documents.values()].find(
      (row) =>
        row.record.tenantId === document.tenantId &&
        row.record.collectionId === document.collectionId &&
        row.record.contentHash === document.contentHash,
    );
    if (existing) return { document: structuredClone(existing.record), created: false };
    if (this.#collections.get(document.collectionId)?.record.tenantId !== document.tenantId) {
      throw new Error(`collection ${document.collectionId} does not exist`);
    }
    this.#documents.set(document.id, { record: structuredClone(document), sequence: this.#next() });
    this.#sources.set(document.id, new Uint8Array(source));
    return { document: structuredClone(document), created: true };
  }

  async getDocument(tenantId: string, id: string): Promise<DocumentRecord | undefined> {
    const row = this.#documents.get(id);
    return row?.record.tenantId === tenantId ? structuredClone(row.record) : undefined;
  }

  async listDocuments(
    tenantId: string,
    collectionId: string,
    query: PageQuery & { readonly status?: DocumentStatus | undefined },
  ): Promise<Page<DocumentRecord>> {
    return page(
      [...this.#documents.values()].filter(
        (row) =>
          row.record.tenantId === tenantId &&
          row.record.collectionId === collectionId &&
          (query.status === undefined || row.record.status === query.status),
      ),
      query,
    );
  }

  async readSource(tenantId: string, id: string): Promise<Uint8Array | undefined> {
    if (this.#documents.get(id)?.record.tenantId !== tenantId) return undefined;
    const source = this.#sources.get(id);
    return source ? new Uint8Array(source) : undefined;
  }

  async updateDocument(
    tenantId: string,
    id: string,
    patch: DocumentPatch,
  ): Promise<DocumentRecord | undefined> {
    const row = this.#documents.get(id);
    if (row?.record.tenantId !== tenantId) return undefined;
    row.record = { ...row.record, ...structuredClone(patch) };
    return structuredClone(row.record);
  }

  async deleteDocument(tenantId: string, id: string): Promise<boolean> {
    if (this.#documents.get(id)?.record.tenantId !== tenantId) return false;
    this.#documents.delete(id);
    this.#sources.delete(id);
    return true;
  }

  async pendingDocuments(limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    return [...this.#documents.values()]
      .filter((row) => row.record.status === 'queued' || row.record.status === 'processing')
      .sort(
        (a, b) =>
          a.record.createdAt.getTime() - b.record.createdAt.getTime() || Number(a.sequence - b.sequence),
      )
      .slice(0, limit)
      .map((row) => ({ tenantId: row.record.tenantId, id: row.record.id }));
  }

  async requeueCollection(tenantId: string, collectionId: string, at: Date): Promise<string[]> {
    const ids: string[] = [];
    for (const row of this.#documents.values()) {
      if (row.record.tenantId === tenantId && row.record.collectionId === collectionId) {
        row.record = {
          ...row.record,
          status: 'queued',
          stage: 'received',
          progress: null,
          error: null,
          updatedAt: at,
        };
        ids.push(row.record.id);
      }
    }
    return ids;
  }

  #next(): bigint {
    this.#sequence += 1n;
    return this.#sequence;
  }
}

export function collectionExists(name: string, collectionId: string | undefined): AppError {
  return new AppError(documentErrors.DOCUMENTS_COLLECTION_EXISTS, {
    detail: `You already have a collection named ${JSON.stringify(name)}.`,
    ...(collectionId ? { details: { collection_id: collectionId } } : {}),
  });
}

function page<T extends { readonly createdAt: Date; readonly id: string }>(
  rows: Row<T>[],
  query: PageQuery,
): Page<T> {
  const after: DocumentCursor | undefined = query.cursor ? decodeCursor(query.cursor) : undefined;
  const sorted = rows
    .sort(
      (a, b) =>
        b.record.createdAt.getTime() - a.record.createdAt.getTime() || Number(b.sequence - a.sequence),
    )
    .filter((row) => {
      if (!after) return true;
      const time = row.record.createdAt.getTime();
      return (
        time < after.createdAt.getTime() ||
        (time === after.createdAt.getTime() && row.sequence < BigInt(after.sequence))
      );
    });
  return pageOf(
    sorted,
    query.limit,
    (row) => structuredClone(row.record),
    (last) => encodeCursor({ createdAt: last.record.createdAt, sequence: String(last.sequence) }),
  );
}
