import { beforeEach, describe, expect, it } from 'vitest';
import type { CollectionRecord, DocumentRecord, DocumentStore } from '../../src/modules/documents/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let counter = 0;

function collection(overrides: Partial<CollectionRecord> = {}): CollectionRecord {
  counter += 1;
  return {
    id: `col_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    tenantId: 'tenant-a',
    name: `collection ${counter}`,
    description: null,
    metadata: { team: 'ops' },
    chunking: { maxTokens: 400, overlapTokens: 60 },
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    updatedAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

function document(collectionId: string, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  counter += 1;
  return {
    id: `doc_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    tenantId: 'tenant-a',
    collectionId,
    title: 'A title',
    titleGiven: false,
    sourceName: 'a.txt',
    mediaType: 'text/plain',
    byteSize: 5,
    contentHash: `hash-${counter}`,
    metadata: { lang: 'en', tags: ['a', 'b'], year: 2024, draft: false, none: null },
    status: 'queued',
    stage: 'received',
    progress: null,
    error: null,
    chunkCount: 0,
    characterCount: 0,
    createdAt: new Date('2026-11-21T10:00:00.000Z'),
    updatedAt: new Date('2026-11-21T10:00:00.000Z'),
    ...overrides,
  };
}

/** The behaviour every DocumentStore adapter must have; each adapter's test runs it. */
export function describeDocumentStoreContract(name: string, createStore: () => Promise<DocumentStore>): void {
  describe(`DocumentStore contract: ${name}`, () => {
    let store: DocumentStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('keeps a collection unchanged and shows it to its tenant only', async () => {
      const record = collection();
      await store.createCollection(record);
      expect(await store.getCollection('tenant-a', record.id)).toEqual(record);
      expect(await store.findCollectionByName('tenant-a', record.name)).toEqual(record);
      expect(await store.getCollection('tenant-b', record.id)).toBeUndefined();
      expect((await store.listCollections('tenant-b', { limit: 10 })).items).toEqual([]);
      expect(await store.deleteCollection('tenant-b', record.id)).toBe(false);
    });

    it('refuses a second collection with the same name in a tenant, not in another', async () => {
      const record = collection({ name: 'handbook' });
      await store.createCollection(record);
      await expect(store.createCollection(collection({ name: 'handbook' }))).rejects.toSatisfy(
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'DOCUMENTS_COLLECTION_EXISTS' &&
          error.details?.collection_id === record.id,
      );
      await store.createCollection(collection({ name: 'handbook', tenantId: 'tenant-b' }));
    });

    it('pages collections newest first, each once, even with equal timestamps', async () => {
      const same = new Date('2026-11-21T11:00:00.000Z');
      const records = [
        collection({ createdAt: new Date('2026-11-21T09:00:00.000Z') }),
        collection({ createdAt: same }),
        collection({ createdAt: same }),
        collection({ createdAt: new Date('2026-11-21T12:00:00.000Z') }),
      ];
      for (const record of records) await store.createCollection(record);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.listCollections('tenant-a', { limit: 2, cursor });
        seen.push(...result.items.map((item) => item.id));
        if (!result.nextCursor) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual([records[3]?.id, records[2]?.id, records[1]?.id, records[0]?.id]);
      await expect(store.listCollections('tenant-a', { limit: 2, cursor: 'bm9wZQ' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'DOCUMENTS_LIST_CURSOR_INVALID',
      );
    });

    it('stores a document with its bytes, and deduplicates the same bytes in a collection', async () => {
      const parent = collection();
      await store.createCollection(parent);
      const record = document(parent.id);
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      expect(await store.insertDocument(record, bytes)).toEqual({ document: record, created: true });
      expect(await store.getDocument('tenant-a', record.id)).toEqual(record);
      expect(await store.readSource('tenant-a', record.id)).toEqual(bytes);
      const again = await store.insertDocument(
        document(parent.id, { contentHash: record.contentHash }),
        bytes,
      );
      expect(again).toEqual({ document: record, created: false });
      expect((await store.listDocuments('tenant-a', parent.id, { limit: 10 })).items).toHaveLength(1);
      expect(await store.getDocument('tenant-b', record.id)).toBeUndefined();
      expect(await store.readSource('tenant-b', record.id)).toBeUndefined();
    });

    it('updates status, stage, progress and errors, and counts documents by status', async () => {
      const parent = collection();
      await store.createCollection(parent);
      const record = document(parent.id);
      await store.insertDocument(record, new Uint8Array([1]));
      await store.insertDocument(document(parent.id), new Uint8Array([2]));
      const at = new Date('2026-11-21T10:05:00.000Z');
      const updated = await store.updateDocument('tenant-a', record.id, {
        status: 'failed',
        stage: 'chunked',
        progress: { step: 'embed', completed: 3, total: 9 },
        error: { code: 'DOCUMENTS_PARSE_FAILED', title: 'x', detail: 'y', retryable: false },
        chunkCount: 9,
        characterCount: 1234,
        title: 'New title',
        updatedAt: at,
      });
      expect(updated).toMatchObject({
        status: 'failed',
        stage: 'chunked',
        chunkCount: 9,
        characterCount: 1234,
        title: 'New title',
        updatedAt: at,
      });
      expect(await store.getDocument('tenant-a', record.id)).toEqual(updated);
      expect(
        await store.updateDocument('tenant-b', record.id, { status: 'ready', updatedAt: at }),
      ).toBeUndefined();
      expect(await store.countDocuments('tenant-a', parent.id)).toEqual({
        queued: 1,
        processing: 0,
        ready: 0,
        failed: 1,
      });
      expect(
        (await store.listDocuments('tenant-a', parent.id, { limit: 10, status: 'failed' })).items.map(
          (item) => item.id,
        ),
      ).toEqual([record.id]);
    });

    it('lists pending documents oldest first, and re-queues a whole collection', async () => {
      const parent = collection();
      await store.createCollection(parent);
      const old = document(parent.id, {
        createdAt: new Date('2026-11-21T08:00:00.000Z'),
        status: 'processing',
        stage: 'chunked',
      });
      const ready = document(parent.id, { status: 'ready', stage: 'embedded' });
      const young = document(parent.id, { createdAt: new Date('2026-11-21T12:00:00.000Z') });
      for (const record of [young, ready, old]) await store.insertDocument(record, new Uint8Array([1]));
      expect((await store.pendingDocuments(10)).map((item) => item.id)).toEqual([old.id, young.id]);
      const ids = await store.requeueCollection('tenant-a', parent.id, new Date('2026-11-21T13:00:00.000Z'));
      expect(ids.sort()).toEqual([old.id, ready.id, young.id].sort());
      expect(await store.getDocument('tenant-a', ready.id)).toMatchObject({
        status: 'queued',
        stage: 'received',
        error: null,
      });
      expect(await store.requeueCollection('tenant-b', parent.id, new Date())).toEqual([]);
    });

    it('deletes a document with its bytes, and a collection with its documents', async () => {
      const parent = collection();
      await store.createCollection(parent);
      const first = document(parent.id);
      const second = document(parent.id);
      await store.insertDocument(first, new Uint8Array([1]));
      await store.insertDocument(second, new Uint8Array([2]));
      expect(await store.deleteDocument('tenant-b', first.id)).toBe(false);
      expect(await store.deleteDocument('tenant-a', first.id)).toBe(true);
      expect(await store.readSource('tenant-a', first.id)).toBeUndefined();
      expect(await store.deleteCollection('tenant-a', parent.id)).toBe(true);
      expect(await store.getDocument('tenant-a', second.id)).toBeUndefined();
      expect(await store.getCollection('tenant-a', parent.id)).toBeUndefined();
    });
  });
}
