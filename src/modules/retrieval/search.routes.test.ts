import { afterEach, describe, expect, it } from 'vitest';
import { fakeEmbeddingModel } from '../../../test/fixtures/documents/fake-embedding-model.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../../../test/support/documents-app.ts';
import { MemoryDocumentStore } from '../documents/index.ts';
import { MemoryChunkIndex } from './memory-chunk-index.ts';

const opened: DocumentsTestApp[] = [];
afterEach(async () => {
  for (const context of opened.splice(0)) await context.close();
});

async function open(options: Parameters<typeof buildDocumentsTestApp>[0] = {}) {
  const context = await buildDocumentsTestApp(options);
  opened.push(context);
  return context;
}

const FLEET = [
  {
    text: '# Keels\n\nA deep keel keeps a sailing yacht upright in strong wind.',
    metadata: { topic: 'hull', year: 2023 },
  },
  {
    text: '# Sails\n\nThe mainsail and the jib drive the yacht; reef them in strong wind.',
    metadata: { topic: 'rig', year: 2024 },
  },
  {
    text: '# Engines\n\nA diesel engine pushes the boat when there is no wind at all.',
    metadata: { topic: 'engine', year: 2024 },
  },
];

async function fleet(context: DocumentsTestApp): Promise<{ collectionId: string; ids: string[] }> {
  const collectionId = await context.createCollection('fleet');
  const ids: string[] = [];
  for (const document of FLEET) {
    const response = await context.addText(collectionId, { ...document, media_type: 'text/markdown' });
    ids.push(response.json().document.id);
  }
  await context.settle();
  return { collectionId, ids };
}

function search(context: DocumentsTestApp, payload: Record<string, unknown>) {
  return context.app.app.inject({ method: 'POST', url: '/v1/search', headers: context.tenantA, payload });
}

describe('POST /v1/search', () => {
  it('runs hybrid by default and returns chunks with ids, scores, positions and snippets', async () => {
    const context = await open();
    const { collectionId, ids } = await fleet(context);
    const response = await search(context, { query: 'keel upright', collection_ids: [collectionId] });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      mode: 'hybrid',
      requested_mode: 'hybrid',
      fallback: null,
      embedding_model: 'test:bag-of-words-64',
    });
    const [first] = body.results;
    expect(first).toMatchObject({
      document_id: ids[0],
      collection_id: collectionId,
      title: 'Keels',
      rank: 1,
      content: 'Keels\n\nA deep keel keeps a sailing yacht upright in strong wind.',
      position: { ordinal: 0, start: 0, heading_path: ['Keels'], page_start: null },
      metadata: { topic: 'hull', year: 2023 },
      lexical: { rank: 1 },
      vector: { rank: 1 },
    });
    expect(first.chunk_id).toMatch(/^chk_[0-9a-f]{24}$/);
    expect(
      first.highlights.map((mark: { start: number; end: number }) =>
        first.snippet.slice(mark.start, mark.end),
      ),
    ).toEqual(['Keels', 'keel', 'upright']);
    expect(body.results.map((result: { rank: number }) => result.rank)).toEqual(
      body.results.map((_: unknown, index: number) => index + 1),
    );
  });

  it('serves lexical and vector modes, k, metadata filters and document filters', async () => {
    const context = await open();
    const { collectionId, ids } = await fleet(context);
    const lexical = (
      await search(context, { query: 'strong wind', collection_ids: [collectionId], mode: 'lexical' })
    ).json();
    expect(lexical.mode).toBe('lexical');
    expect(lexical.embedding_model).toBeNull();
    expect(lexical.results.map((result: { document_id: string }) => result.document_id).sort()).toEqual(
      [ids[0], ids[1], ids[2]].sort(),
    );
    expect(lexical.results.every((result: { vector: unknown }) => result.vector === null)).toBe(true);
    const vector = (
      await search(context, { query: 'diesel engine', collection_ids: [collectionId], mode: 'vector', k: 1 })
    ).json();
    expect(vector.results).toHaveLength(1);
    expect(vector.results[0]).toMatchObject({ document_id: ids[2], lexical: null, vector: { rank: 1 } });
    const filtered = (
      await search(context, {
        query: 'wind',
        collection_ids: [collectionId],
        filter: { year: 2024, topic: ['rig', 'hull'] },
      })
    ).json();
    expect(filtered.results.map((result: { document_id: string }) => result.document_id)).toEqual([ids[1]]);
    const byDocument = (
      await search(context, { query: 'wind', collection_ids: [collectionId], document_ids: [ids[2]] })
    ).json();
    expect(byDocument.results.map((result: { document_id: string }) => result.document_id)).toEqual([ids[2]]);
  });

  it('falls back to lexical, and says why, where vectors are unavailable; refuses mode vector there', async () => {
    const noEmbedder = await open({ embeddingModel: null });
    const { collectionId } = await fleet(noEmbedder);
    const hybrid = (await search(noEmbedder, { query: 'keel', collection_ids: [collectionId] })).json();
    expect(hybrid).toMatchObject({
      mode: 'lexical',
      requested_mode: 'hybrid',
      fallback: { reason: 'no_embedding_model' },
    });
    expect(hybrid.results.length).toBeGreaterThan(0);
    const vector = await search(noEmbedder, {
      query: 'keel',
      collection_ids: [collectionId],
      mode: 'vector',
    });
    expect(vector.statusCode).toBe(409);
    expect(vector.json()).toMatchObject({
      code: 'RETRIEVAL_VECTOR_UNAVAILABLE',
      reason: 'no_embedding_model',
    });

    const noPgvector = await open({ index: new MemoryChunkIndex({ vectorSupported: false }) });
    const second = await fleet(noPgvector);
    const fallback = (
      await search(noPgvector, { query: 'keel', collection_ids: [second.collectionId] })
    ).json();
    expect(fallback.fallback.reason).toBe('vector_index_unavailable');
    expect(fallback.results[0].title).toBe('Keels');
  });

  it('refuses to compare vectors of another embedding model until the collection is re-indexed', async () => {
    const store = new MemoryDocumentStore();
    const index = new MemoryChunkIndex();
    const before = await open({ store, index, embeddingModel: fakeEmbeddingModel({ modelId: 'model-a' }) });
    const { collectionId } = await fleet(before);
    const after = await open({ store, index, embeddingModel: fakeEmbeddingModel({ modelId: 'model-b' }) });
    const mismatch = await search(after, { query: 'keel', collection_ids: [collectionId] });
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({
      code: 'RETRIEVAL_EMBEDDING_MISMATCH',
      collection_model: 'test:model-a',
      configured_model: 'test:model-b',
    });
    expect(
      (await search(after, { query: 'keel', collection_ids: [collectionId], mode: 'lexical' })).statusCode,
    ).toBe(200);
    // A new document cannot be embedded into the collection either: it fails, saying why.
    const added = await after.addText(collectionId, { text: 'Bilge pumps keep the hull dry.' });
    await after.settle();
    const failed = await after.app.app.inject({
      method: 'GET',
      url: `/v1/documents/${added.json().document.id}`,
      headers: after.tenantA,
    });
    expect(failed.json()).toMatchObject({
      status: 'failed',
      error: { code: 'RETRIEVAL_EMBEDDING_MISMATCH' },
    });

    const reindex = await after.app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collectionId}/reindex`,
      headers: after.tenantA,
    });
    expect(reindex.statusCode).toBe(202);
    expect(reindex.json().documents).toBe(4);
    await after.settle();
    const collection = await after.app.app.inject({
      method: 'GET',
      url: `/v1/collections/${collectionId}`,
      headers: after.tenantA,
    });
    expect(collection.json()).toMatchObject({
      embedding: { model: 'test:model-b', dimensions: 64 },
      documents: { ready: 4, failed: 0 },
    });
    const hybrid = (await search(after, { query: 'bilge pumps', collection_ids: [collectionId] })).json();
    expect(hybrid).toMatchObject({ mode: 'hybrid', fallback: null });
    expect(hybrid.results[0].content).toContain('Bilge pumps');
  });

  it('searches a collection indexed without vectors lexically until it is re-indexed', async () => {
    const store = new MemoryDocumentStore();
    const index = new MemoryChunkIndex();
    const lexicalOnly = await open({ store, index, embeddingModel: null });
    const { collectionId } = await fleet(lexicalOnly);
    const withEmbedder = await open({ store, index });
    const before = (await search(withEmbedder, { query: 'jib', collection_ids: [collectionId] })).json();
    expect(before.fallback.reason).toBe('collection_not_embedded');
    const vector = await search(withEmbedder, {
      query: 'jib',
      collection_ids: [collectionId],
      mode: 'vector',
    });
    expect(vector.json().code).toBe('RETRIEVAL_COLLECTION_NOT_EMBEDDED');
    await withEmbedder.app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collectionId}/reindex`,
      headers: withEmbedder.tenantA,
    });
    await withEmbedder.settle();
    expect((await search(withEmbedder, { query: 'jib', collection_ids: [collectionId] })).json().mode).toBe(
      'hybrid',
    );
  });

  it('validates the request', async () => {
    const context = await open();
    const empty = await search(context, { query: '  ', collection_ids: ['col_x'] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].pointer).toBe('/body/query');
    const noCollections = await search(context, { query: 'x', collection_ids: [] });
    expect(noCollections.statusCode).toBe(400);
    const badMode = await search(context, { query: 'x', collection_ids: ['c'], mode: 'semantic' });
    expect(badMode.statusCode).toBe(400);
    const missing = await search(context, { query: 'x', collection_ids: ['col_missing'] });
    expect(missing.statusCode).toBe(404);
  });
});
