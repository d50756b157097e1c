import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, memoryDocuments, type TestApp } from '../../../../test/support/test-app.ts';
import { DocumentsService, MemoryDocumentStore } from '../../documents/index.ts';
import { MemoryChunkIndex } from '../../retrieval/index.ts';

// Long enough for several overlapping chunks (collections here chunk at 40 tokens with 10 of overlap).
const REPORT = Array.from(
  { length: 12 },
  (_, index) =>
    `Section ${index + 1} of the harbour report notes that berth ${index + 1} was dredged to twelve metres and inspected by the port authority in spring.`,
).join(' ');

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp() {
  const documents = memoryDocuments();
  app = await buildTestApp({ documents });
  const scopes = ['documents:read', 'documents:write', 'capability:summarize'];
  const headers = {
    authorization: `Bearer ${(await app.keys.create({ name: 'a', tenantId: 't-a', scopes })).token}`,
  };
  const other = {
    authorization: `Bearer ${(await app.keys.create({ name: 'b', tenantId: 't-b', scopes })).token}`,
  };
  const collection = await app.app.inject({
    method: 'POST',
    url: '/v1/collections',
    headers,
    payload: { name: 'reports', chunking: { max_tokens: 40, overlap_tokens: 10 } },
  });
  expect(collection.statusCode).toBe(201);
  const added = await app.app.inject({
    method: 'POST',
    url: `/v1/collections/${collection.json().id}/documents`,
    headers,
    payload: { title: 'Harbour report', text: REPORT },
  });
  await documents.runner.idle();
  return { app, documents, headers, other, documentId: added.json().document.id as string };
}

describe('summarize a stored document', () => {
  it('reads the document back whole from its overlapping chunks', async () => {
    const { documents, documentId } = await setUp();
    const chunks = await documents.service.getDocument('t-a', documentId, { offset: 0, limit: 100 });
    expect(chunks.chunks.total).toBeGreaterThan(2);
    const { title, text } = await documents.service.documentText('t-a', documentId);
    expect(title).toBe('Harbour report');
    expect(text.replace(/\s+/g, ' ').trim()).toBe(REPORT);
  });

  it('summarises by document_id like it does text', async () => {
    const { app, headers, documentId } = await setUp();
    const byId = await app.app.inject({
      method: 'POST',
      url: '/v1/summarize',
      headers,
      payload: { document_id: documentId, max_sentences: 2 },
    });
    expect(byId.statusCode).toBe(200);
    const byText = await app.app.inject({
      method: 'POST',
      url: '/v1/summarize',
      headers,
      payload: { text: REPORT, max_sentences: 2 },
    });
    expect(byId.json().summary).toBe(byText.json().summary);
    expect(byId.json().sentence_count).toBe(2);
  });

  it("wants exactly one of text and document_id, and hides other tenants' documents", async () => {
    const { app, headers, other, documentId } = await setUp();
    for (const payload of [{ max_sentences: 2 }, { text: 'Some text here.', document_id: documentId }]) {
      const response = await app.app.inject({ method: 'POST', url: '/v1/summarize', headers, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('REQUEST_VALIDATION_FAILED');
      expect(JSON.stringify(response.json().errors)).toMatch(/text|document_id/);
    }
    const foreign = await app.app.inject({
      method: 'POST',
      url: '/v1/summarize',
      headers: other,
      payload: { document_id: documentId },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('DOCUMENTS_DOCUMENT_NOT_FOUND');
  });

  it('refuses a document that is not ingested yet with 409', async () => {
    const store = new MemoryDocumentStore();
    const service = new DocumentsService({
      store,
      index: new MemoryChunkIndex(),
      // Ingestion never runs: the document stays queued.
      scheduler: { schedule: async () => ({ jobId: null }), cancel: async () => {} },
      clock: { now: () => new Date() },
      embeddingModel: null,
      maxUploadBytes: 1_048_576,
    });
    const collection = await service.createCollection('t-a', { name: 'pending' });
    const accepted = await service.addDocument('t-a', collection.collection.id, {
      bytes: new TextEncoder().encode(REPORT),
      declaredType: 'text/plain',
      title: 'Pending',
    });
    await expect(service.documentText('t-a', accepted.document.id)).rejects.toMatchObject({
      code: 'DOCUMENTS_DOCUMENT_NOT_READY',
      status: 409,
    });
  });
});
