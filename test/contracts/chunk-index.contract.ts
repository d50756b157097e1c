import { beforeEach, describe, expect, it } from 'vitest';
import type { ChunkIndex, ChunkInput, DocumentRef, SearchScope } from '../../src/modules/retrieval/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let sequence = 0;

export function chunkInput(
  content: string,
  ordinal: number,
  overrides: Partial<ChunkInput> = {},
): ChunkInput {
  sequence += 1;
  return {
    id: `chk_${sequence}_${Math.random().toString(36).slice(2, 8)}`,
    content,
    tokenCount: Math.ceil(content.length / 4),
    position: {
      ordinal,
      start: ordinal * 100,
      end: ordinal * 100 + content.length,
      pageStart: null,
      pageEnd: null,
      headingPath: [],
    },
    ...overrides,
  };
}

function documentRef(documentId: string, overrides: Partial<DocumentRef> = {}): DocumentRef {
  return {
    tenantId: 'tenant-a',
    collectionId: 'col-a',
    documentId,
    title: 'Untitled',
    metadata: {},
    ...overrides,
  };
}

function scope(overrides: Partial<SearchScope> = {}): SearchScope {
  return { tenantId: 'tenant-a', collectionIds: ['col-a'], limit: 10, ...overrides };
}

const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

/**
 * The behaviour every ChunkIndex adapter must have; each adapter's test runs it. `vectors: false` runs the
 * suite as a PostgreSQL without pgvector must behave: lexical only, vectors neither stored nor searched.
 */
export function describeChunkIndexContract(
  name: string,
  createIndex: () => Promise<ChunkIndex>,
  options: { readonly vectors: boolean },
): void {
  describe(`ChunkIndex contract: ${name}`, () => {
    let index: ChunkIndex;

    beforeEach(async () => {
      index = await createIndex();
      await index.ensureCollection('tenant-a', 'col-a', options.vectors ? 'test:model-a' : null);
      await index.ensureCollection('tenant-a', 'col-b', null);
      await index.ensureCollection('tenant-b', 'col-other', null);
    });

    it('says whether it stores vectors', () => {
      expect(index.vectorSupported).toBe(options.vectors);
    });

    it('registers collections once, keeping the recorded model, and shows them to their tenant only', async () => {
      const again = await index.ensureCollection('tenant-a', 'col-a', 'test:another');
      expect(again.embeddingModel).toBe(options.vectors ? 'test:model-a' : null);
      expect(
        (await index.getCollections('tenant-a', ['col-a', 'col-b', 'col-other']))
          .map((c) => c.collectionId)
          .sort(),
      ).toEqual(['col-a', 'col-b']);
      expect(await index.getCollections('tenant-b', ['col-a'])).toEqual([]);
    });

    it('stores chunks with their positions, title and metadata, and lists them in order', async () => {
      const chunks = [
        chunkInput('The keel keeps a sailing boat upright.', 0, {
          position: {
            ordinal: 0,
            start: 0,
            end: 38,
            pageStart: 2,
            pageEnd: 3,
            headingPath: ['Boats', 'Keels'],
          },
        }),
        chunkInput('Ballast sits low in the hull.', 1),
      ];
      await index.replaceDocumentChunks(
        documentRef('doc-1', { title: 'Sailing', metadata: { lang: 'en', tags: ['boats', 'sea'] } }),
        chunks,
      );
      const listed = await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 0, limit: 10 });
      expect(listed.total).toBe(2);
      expect(listed.embedded).toBe(0);
      expect(listed.items.map((chunk) => chunk.id)).toEqual(chunks.map((chunk) => chunk.id));
      expect(listed.items[0]).toMatchObject({
        documentId: 'doc-1',
        collectionId: 'col-a',
        title: 'Sailing',
        content: chunks[0]?.content,
        metadata: { lang: 'en', tags: ['boats', 'sea'] },
        position: chunks[0]?.position,
      });
      expect(
        (await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 1, limit: 5 })).items,
      ).toHaveLength(1);
      expect((await index.getCollections('tenant-a', ['col-a']))[0]?.chunkCount).toBe(2);
    });

    it('replaces a document’s chunks instead of adding to them', async () => {
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunkInput('first version about anchors', 0)]);
      await index.replaceDocumentChunks(documentRef('doc-1'), [
        chunkInput('second version about rudders', 0),
      ]);
      const listed = await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 0, limit: 10 });
      expect(listed.items.map((chunk) => chunk.content)).toEqual(['second version about rudders']);
      expect(await index.searchLexical(scope(), 'anchors')).toEqual([]);
      expect(await index.searchLexical(scope(), 'rudders')).toHaveLength(1);
      expect((await index.getCollections('tenant-a', ['col-a']))[0]?.chunkCount).toBe(1);
    });

    it('ranks lexically: matching chunks only, rarer words weigh more, title words count', async () => {
      await index.replaceDocumentChunks(documentRef('doc-1'), [
        chunkInput('harbour harbour harbour and a lighthouse', 0),
        chunkInput('the harbour master logs every ship', 1),
        chunkInput('a quiet harbour at dawn', 2),
        chunkInput('nothing relevant here at all', 3),
      ]);
      await index.replaceDocumentChunks(documentRef('doc-2', { title: 'Lighthouse keeper' }), [
        chunkInput('a diary of long nights', 0),
      ]);
      const harbour = await index.searchLexical(scope(), 'harbour');
      expect(harbour).toHaveLength(3);
      expect(harbour[0]?.score).toBeGreaterThan(harbour[2]?.score ?? Number.POSITIVE_INFINITY);
      // "lighthouse" is rarer than "harbour": the chunk holding both wins.
      const both = await index.searchLexical(scope(), 'harbour lighthouse');
      const [first] = await index.getChunks('tenant-a', [both[0]?.chunkId ?? '']);
      expect(first?.content).toBe('harbour harbour harbour and a lighthouse');
      // A title word matches every chunk of its document.
      const byTitle = await index.searchLexical(scope(), 'keeper');
      expect(byTitle).toHaveLength(1);
      expect((await index.getChunks('tenant-a', [byTitle[0]?.chunkId ?? '']))[0]?.documentId).toBe('doc-2');
      expect(await index.searchLexical(scope(), 'submarine')).toEqual([]);
      expect(await index.searchLexical(scope(), 'the and of')).toEqual([]);
      expect(await index.searchLexical(scope({ limit: 2 }), 'harbour')).toHaveLength(2);
    });

    it('searches only the collections asked for', async () => {
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunkInput('tides and currents', 0)]);
      await index.replaceDocumentChunks(documentRef('doc-2', { collectionId: 'col-b' }), [
        chunkInput('tides again', 0),
      ]);
      expect(await index.searchLexical(scope({ collectionIds: ['col-b'] }), 'tides')).toHaveLength(1);
      expect(await index.searchLexical(scope({ collectionIds: ['col-a', 'col-b'] }), 'tides')).toHaveLength(
        2,
      );
    });

    it('never shows, searches or deletes another tenant’s chunks', async () => {
      const chunk = chunkInput('confidential merger plans', 0);
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunk]);
      const other = scope({ tenantId: 'tenant-b', collectionIds: ['col-a'] });
      expect(await index.searchLexical(other, 'merger')).toEqual([]);
      expect(await index.getChunks('tenant-b', [chunk.id])).toEqual([]);
      expect((await index.listDocumentChunks('tenant-b', 'doc-1', { offset: 0, limit: 10 })).items).toEqual(
        [],
      );
      expect(await index.deleteDocumentChunks('tenant-b', 'doc-1')).toBe(0);
      await index.deleteCollection('tenant-b', 'col-a');
      expect(await index.searchLexical(scope(), 'merger')).toHaveLength(1);
      if (options.vectors) {
        await index.storeEmbeddings('tenant-b', 'col-a', 'test:model-a', [
          { chunkId: chunk.id, embedding: [1, 0, 0, 0] },
        ]);
        expect((await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 0, limit: 10 })).embedded).toBe(
          0,
        );
      }
    });

    it('filters by metadata (value, array membership, any-of) and by document', async () => {
      await index.replaceDocumentChunks(
        documentRef('doc-en', { metadata: { lang: 'en', tags: ['a', 'b'], year: 2024 } }),
        [chunkInput('sailing guide', 0)],
      );
      await index.replaceDocumentChunks(
        documentRef('doc-fr', { metadata: { lang: 'fr', tags: ['c'], year: 2023 } }),
        [chunkInput('sailing manual', 0)],
      );
      const documentsOf = async (filter: SearchScope['filter'], documentIds?: string[]) => {
        const hits = await index.searchLexical(scope({ filter, documentIds }), 'sailing');
        return (
          await index.getChunks(
            'tenant-a',
            hits.map((hit) => hit.chunkId),
          )
        )
          .map((chunk) => chunk.documentId)
          .sort();
      };
      expect(await documentsOf({ lang: 'en' })).toEqual(['doc-en']);
      expect(await documentsOf({ tags: 'c' })).toEqual(['doc-fr']);
      expect(await documentsOf({ lang: ['en', 'fr'] })).toEqual(['doc-en', 'doc-fr']);
      expect(await documentsOf({ year: 2023 })).toEqual(['doc-fr']);
      expect(await documentsOf({ lang: 'en', year: 2023 })).toEqual([]);
      expect(await documentsOf({ missing: 'x' })).toEqual([]);
      expect(await documentsOf(undefined, ['doc-fr'])).toEqual(['doc-fr']);
    });

    it('deletes a document’s chunks and its statistics', async () => {
      await index.replaceDocumentChunks(documentRef('doc-1'), [
        chunkInput('unique albatross', 0),
        chunkInput('gulls', 1),
      ]);
      await index.replaceDocumentChunks(documentRef('doc-2'), [chunkInput('gulls everywhere', 0)]);
      expect(await index.deleteDocumentChunks('tenant-a', 'doc-1')).toBe(2);
      expect(await index.searchLexical(scope(), 'albatross')).toEqual([]);
      expect(await index.searchLexical(scope(), 'gulls')).toHaveLength(1);
      expect((await index.getCollections('tenant-a', ['col-a']))[0]?.chunkCount).toBe(1);
      expect(await index.deleteDocumentChunks('tenant-a', 'doc-1')).toBe(0);
    });

    it('deletes a whole collection', async () => {
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunkInput('driftwood', 0)]);
      await index.deleteCollection('tenant-a', 'col-a');
      expect(await index.getCollections('tenant-a', ['col-a'])).toEqual([]);
      expect((await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 0, limit: 10 })).total).toBe(0);
    });

    if (!options.vectors) {
      it('neither stores nor searches vectors', async () => {
        const chunk = chunkInput('anything', 0);
        await index.replaceDocumentChunks(documentRef('doc-1'), [chunk]);
        expect(await index.chunksToEmbed('tenant-a', 'doc-1', 10)).toEqual([]);
        await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
          { chunkId: chunk.id, embedding: [1, 0, 0, 0] },
        ]);
        expect(await index.searchVector(scope(), [1, 0, 0, 0])).toEqual([]);
      });
      return;
    }

    it('stores vectors, lists what is left to embed, and finds nearest chunks by cosine', async () => {
      const chunks = [chunkInput('north', 0), chunkInput('east', 1), chunkInput('north-east', 2)];
      await index.replaceDocumentChunks(documentRef('doc-1', { title: 'Compass' }), chunks);
      const pending = await index.chunksToEmbed('tenant-a', 'doc-1', 2);
      expect(pending).toEqual([
        { chunkId: chunks[0]?.id, text: 'Compass\n\nnorth' },
        { chunkId: chunks[1]?.id, text: 'Compass\n\neast' },
      ]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunks[0]?.id ?? '', embedding: [1, 0, 0, 0] },
        { chunkId: chunks[1]?.id ?? '', embedding: [0, 1, 0, 0] },
      ]);
      expect((await index.chunksToEmbed('tenant-a', 'doc-1', 10)).map((item) => item.chunkId)).toEqual([
        chunks[2]?.id,
      ]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunks[2]?.id ?? '', embedding: [0.7, 0.7, 0, 0] },
      ]);
      const hits = await index.searchVector(scope(), [0.9, 0.1, 0, 0]);
      expect(hits.map((hit) => hit.chunkId)).toEqual([chunks[0]?.id, chunks[2]?.id, chunks[1]?.id]);
      expect(hits[0]?.score).toBeCloseTo(0.9939, 3);
      expect((await index.getCollections('tenant-a', ['col-a']))[0]).toMatchObject({
        embeddingModel: 'test:model-a',
        embeddingDimensions: 4,
      });
      expect((await index.listDocumentChunks('tenant-a', 'doc-1', { offset: 0, limit: 10 })).embedded).toBe(
        3,
      );
      expect(await index.searchVector(scope({ tenantId: 'tenant-b' }), [1, 0, 0, 0])).toEqual([]);
      expect(await index.searchVector(scope({ filter: { lang: 'en' } }), [1, 0, 0, 0])).toEqual([]);
    });

    it('refuses vectors of another model or dimension', async () => {
      const chunk = chunkInput('wind', 0);
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunk]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunk.id, embedding: [1, 0, 0, 0] },
      ]);
      await expect(
        index.storeEmbeddings('tenant-a', 'col-a', 'test:model-b', [
          { chunkId: chunk.id, embedding: [1, 0, 0, 0] },
        ]),
      ).rejects.toSatisfy(isCode('RETRIEVAL_EMBEDDING_MISMATCH'));
      await expect(
        index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
          { chunkId: chunk.id, embedding: [1, 0, 0] },
        ]),
      ).rejects.toSatisfy(isCode('RETRIEVAL_EMBEDDING_MISMATCH'));
    });

    it('deletes vectors with their chunks, and ignores vectors of chunks already gone', async () => {
      const chunk = chunkInput('spray', 0);
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunk]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunk.id, embedding: [0, 0, 1, 0] },
      ]);
      await index.deleteDocumentChunks('tenant-a', 'doc-1');
      expect(await index.searchVector(scope(), [0, 0, 1, 0])).toEqual([]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunk.id, embedding: [0, 0, 1, 0] },
      ]);
      expect(await index.searchVector(scope(), [0, 0, 1, 0])).toEqual([]);
    });

    it('forgets every vector of a collection on reset and records the new model', async () => {
      const chunk = chunkInput('swell', 0);
      await index.replaceDocumentChunks(documentRef('doc-1'), [chunk]);
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-a', [
        { chunkId: chunk.id, embedding: [0, 1, 0, 0] },
      ]);
      await index.resetEmbeddings('tenant-a', 'col-a', 'test:model-b');
      expect(await index.searchVector(scope(), [0, 1, 0, 0])).toEqual([]);
      expect((await index.getCollections('tenant-a', ['col-a']))[0]).toMatchObject({
        embeddingModel: 'test:model-b',
        embeddingDimensions: null,
      });
      await index.storeEmbeddings('tenant-a', 'col-a', 'test:model-b', [
        { chunkId: chunk.id, embedding: [0, 1, 0] },
      ]);
      expect(await index.searchVector(scope(), [0, 1, 0])).toHaveLength(1);
    });
  });
}
