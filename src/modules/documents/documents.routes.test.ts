import { afterEach, describe, expect, it } from 'vitest';
import { docxBytes } from '../../../test/fixtures/documents/docx.ts';
import { fakeEmbeddingModel } from '../../../test/fixtures/documents/fake-embedding-model.ts';
import { corruptPdfBytes, pdfBytes } from '../../../test/fixtures/documents/pdf.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../../../test/support/documents-app.ts';

let context: DocumentsTestApp;
afterEach(async () => context?.close());

async function documentOf(id: string, headers = context.tenantA) {
  return context.app.app.inject({ method: 'GET', url: `/v1/documents/${id}`, headers });
}

async function ingested(collectionId: string, file: Parameters<DocumentsTestApp['upload']>[1], fields = {}) {
  const response = await context.upload(collectionId, file, fields);
  expect(response.statusCode, response.body).toBe(202);
  await context.settle();
  return (await documentOf(response.json().document.id)).json();
}

describe('collections', () => {
  it('creates, lists, finds by name, and refuses a second collection of the same name', async () => {
    context = await buildDocumentsTestApp();
    const id = await context.createCollection('handbook', context.tenantA, {
      chunking: { max_tokens: 200, overlap_tokens: 20 },
    });
    expect(id).toMatch(/^col_[0-9a-f]{20}$/);
    const again = await context.app.app.inject({
      method: 'POST',
      url: '/v1/collections',
      headers: context.tenantA,
      payload: { name: 'handbook' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'DOCUMENTS_COLLECTION_EXISTS', collection_id: id });
    const listed = await context.app.app.inject({
      method: 'GET',
      url: '/v1/collections',
      headers: context.tenantA,
    });
    expect(listed.json().items).toEqual([
      expect.objectContaining({
        id,
        name: 'handbook',
        chunking: { max_tokens: 200, overlap_tokens: 20 },
        embedding: { model: 'test:bag-of-words-64', dimensions: null },
        documents: { queued: 0, processing: 0, ready: 0, failed: 0 },
      }),
    ]);
    const byName = await context.app.app.inject({
      method: 'GET',
      url: '/v1/collections?name=handbook',
      headers: context.tenantA,
    });
    expect(byName.json().items.map((item: { id: string }) => item.id)).toEqual([id]);
    // The same name is free in another tenant, and the first tenant's collection is invisible there.
    await context.createCollection('handbook', context.tenantB);
    const other = await context.app.app.inject({
      method: 'GET',
      url: `/v1/collections/${id}`,
      headers: context.tenantB,
    });
    expect(other.statusCode).toBe(404);
  });
});

describe('ingestion of each format', () => {
  it('reads PDF, DOCX, HTML, Markdown, plain text and JSON into searchable chunks with positions', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const pdf = await ingested(collectionId, {
      filename: 'manual.pdf',
      contentType: 'application/pdf',
      bytes: pdfBytes(
        [
          [{ text: 'Mooring', size: 18 }, 'Tie the bowline around the cleat.'],
          ['Check the fenders on page two.'],
        ],
        { title: 'Mooring manual' },
      ),
    });
    expect(pdf).toMatchObject({
      status: 'ready',
      title: 'Mooring manual',
      media_type: 'application/pdf',
      error: null,
    });
    expect(pdf.chunks.items[0]).toMatchObject({
      content: 'Mooring\n\nTie the bowline around the cleat.\n\nCheck the fenders on page two.',
      position: { ordinal: 0, start: 0, page_start: 1, page_end: 2, heading_path: ['Mooring'] },
    });

    const docx = await ingested(collectionId, {
      filename: 'crew.docx',
      contentType: 'application/octet-stream',
      bytes: await docxBytes([{ heading: 'Crew', level: 1 }, { bullets: ['Helm', 'Winch'] }]),
    });
    expect(docx).toMatchObject({
      status: 'ready',
      title: 'Crew',
      media_type: expect.stringContaining('wordprocessingml'),
    });
    expect(docx.chunks.items[0].content).toBe('Crew\n\n- Helm\n- Winch');

    const html = await ingested(collectionId, {
      filename: 'page.html',
      contentType: 'text/html',
      bytes: Buffer.from(
        '<title>Tides</title><h1>Tides</h1><p>High water twice a day.</p><script>x()</script>',
      ),
    });
    expect(html).toMatchObject({ status: 'ready', title: 'Tides' });
    expect(html.chunks.items[0].content).toBe('Tides\n\nHigh water twice a day.');

    const markdown = await ingested(
      collectionId,
      {
        filename: 'knots.md',
        contentType: 'text/markdown',
        bytes: Buffer.from('# Knots\n\nThe **reef** knot.\n\n| knot | use |\n|--|--|\n| hitch | post |\n'),
      },
      { title: 'Knot guide', metadata: JSON.stringify({ lang: 'en', tags: ['knots'] }) },
    );
    expect(markdown).toMatchObject({
      status: 'ready',
      title: 'Knot guide',
      metadata: { lang: 'en', tags: ['knots'] },
    });
    expect(markdown.chunks.items[0].content).toBe('Knots\n\nThe reef knot.\n\nknot | use\nhitch | post');

    const text = await ingested(collectionId, {
      filename: 'log.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('Wind force five.\n\nRain later.'),
    });
    expect(text.chunks.items[0].content).toBe('Wind force five.\n\nRain later.');

    const json = await ingested(collectionId, {
      filename: 'boat.json',
      contentType: 'application/json',
      bytes: Buffer.from(JSON.stringify({ name: 'Aurora', length: 9.5 })),
    });
    expect(json).toMatchObject({ status: 'ready', title: 'Aurora' });
    expect(json.chunks.items[0].content).toBe('name: Aurora\nlength: 9.5');
    for (const document of [pdf, docx, html, markdown, text, json]) {
      expect(document.chunks.embedded).toBe(document.chunks.total);
      expect(document.progress).toEqual({ step: 'index', completed: 1, total: 1 });
      expect(document.content_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('takes text sent as JSON with metadata', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const response = await context.addText(collectionId, {
      text: '## Anchors\n\nDrop the anchor in sand.',
      media_type: 'text/markdown',
      metadata: { source: 'wiki', year: 2024 },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      duplicate: false,
      job_id: null,
      document: { status: 'queued', title: 'Untitled' },
    });
    await context.settle();
    const document = (await documentOf(response.json().document.id)).json();
    expect(document).toMatchObject({
      status: 'ready',
      metadata: { source: 'wiki', year: 2024 },
      chunk_count: 1,
    });
    expect(document.chunks.items[0].position.heading_path).toEqual(['Anchors']);
  });
});

describe('failures', () => {
  it('fails a corrupt PDF alone, with a precise problem, while the next document is ingested', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const corrupt = await context.upload(collectionId, {
      filename: 'broken.pdf',
      contentType: 'application/pdf',
      bytes: corruptPdfBytes(),
    });
    const good = await context.upload(collectionId, {
      filename: 'ok.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('All is well.'),
    });
    expect([corrupt.statusCode, good.statusCode]).toEqual([202, 202]);
    await context.settle();
    const failed = (await documentOf(corrupt.json().document.id)).json();
    expect(failed).toMatchObject({
      status: 'failed',
      chunk_count: 0,
      error: {
        code: 'DOCUMENTS_PARSE_FAILED',
        retryable: false,
        detail: expect.stringMatching(/^The PDF could not be read: it is damaged/),
      },
      chunks: { total: 0 },
    });
    expect((await documentOf(good.json().document.id)).json()).toMatchObject({
      status: 'ready',
      chunk_count: 1,
    });
    const collection = await context.app.app.inject({
      method: 'GET',
      url: `/v1/collections/${collectionId}`,
      headers: context.tenantA,
    });
    expect(collection.json().documents).toEqual({ queued: 0, processing: 0, ready: 1, failed: 1 });
  });

  it('fails a document whose embedding fails, leaving nothing of it in the index', async () => {
    context = await buildDocumentsTestApp({ embeddingModel: fakeEmbeddingModel({ fail: () => true }) });
    const collectionId = await context.createCollection();
    const upload = await context.upload(collectionId, {
      filename: 'a.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('Knots.'),
    });
    await context.settle();
    const document = (await documentOf(upload.json().document.id)).json();
    expect(document).toMatchObject({
      status: 'failed',
      error: {
        code: 'RETRIEVAL_EMBEDDING_FAILED',
        retryable: true,
        detail: 'The embedding model test:bag-of-words-64 failed.',
      },
      chunks: { total: 0 },
    });
  });

  it('answers an oversize upload with 413 naming the limit', async () => {
    context = await buildDocumentsTestApp({ maxUploadBytes: 4_096 });
    const collectionId = await context.createCollection();
    const file = await context.upload(collectionId, {
      filename: 'big.txt',
      contentType: 'text/plain',
      bytes: Buffer.alloc(4_097, 'a'),
    });
    expect(file.statusCode).toBe(413);
    expect(file.json()).toMatchObject({ code: 'DOCUMENTS_UPLOAD_TOO_LARGE', limit_bytes: 4_096 });
    const text = await context.addText(collectionId, { text: 'é'.repeat(2_049) });
    expect(text.statusCode).toBe(413);
    expect(text.json().code).toBe('DOCUMENTS_UPLOAD_TOO_LARGE');
    const listed = await context.app.app.inject({
      method: 'GET',
      url: `/v1/collections/${collectionId}/documents`,
      headers: context.tenantA,
    });
    expect(listed.json().items).toEqual([]);
  });

  it('answers an unsupported type with 415 listing the supported ones', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    const response = await context.upload(collectionId, {
      filename: 'photo.png',
      contentType: 'image/png',
      bytes: png,
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({
      code: 'DOCUMENTS_MEDIA_TYPE_UNSUPPORTED',
      supported: expect.arrayContaining(['application/pdf', 'text/markdown']),
    });
    const json = await context.app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collectionId}/documents/upload`,
      headers: context.tenantA,
      payload: { text: 'x' },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('REQUEST_MEDIA_TYPE_UNSUPPORTED');
  });

  it('rejects an upload without a file, or with metadata that is not a JSON object', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const noFile = await context.app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collectionId}/documents/upload`,
      headers: { ...context.tenantA, 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nT\r\n--x--\r\n',
    });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toMatchObject({
      code: 'DOCUMENTS_UPLOAD_INVALID',
      errors: [{ pointer: '/body/file' }],
    });
    const badMetadata = await context.upload(
      collectionId,
      { filename: 'a.txt', contentType: 'text/plain', bytes: Buffer.from('a') },
      { metadata: '[1, 2]' },
    );
    expect(badMetadata.statusCode).toBe(400);
    expect(badMetadata.json().errors[0].pointer).toBe('/body/metadata');
    const missing = await context.upload('col_00000000000000000000', {
      filename: 'a.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('a'),
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('DOCUMENTS_COLLECTION_NOT_FOUND');
  });
});

describe('dedup, delete and tenancy', () => {
  it('answers the same bytes twice with the existing document, and retries a failed one', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const file = { filename: 'a.txt', contentType: 'text/plain', bytes: Buffer.from('Same bytes.') };
    const first = await context.upload(collectionId, file);
    await context.settle();
    const second = await context.upload(collectionId, { ...file, filename: 'renamed.txt' });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({
      duplicate: true,
      document: { id: first.json().document.id, status: 'ready' },
    });
    // In another collection the same bytes are a new document.
    const elsewhere = await context.upload(await context.createCollection(), file);
    expect(elsewhere.statusCode).toBe(202);

    const broken = { filename: 'b.pdf', contentType: 'application/pdf', bytes: corruptPdfBytes() };
    const failed = await context.upload(collectionId, broken);
    await context.settle();
    const retried = await context.upload(collectionId, broken);
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({
      duplicate: true,
      document: { id: failed.json().document.id, status: 'queued' },
    });
    await context.settle();
  });

  it('deletes a document with its chunks and vectors', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const upload = await context.upload(collectionId, {
      filename: 'a.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('The lighthouse keeper logs the weather.'),
    });
    await context.settle();
    const id = upload.json().document.id;
    const search = (mode: string) =>
      context.app.app.inject({
        method: 'POST',
        url: '/v1/search',
        headers: context.tenantA,
        payload: { query: 'lighthouse keeper', collection_ids: [collectionId], mode },
      });
    expect((await search('vector')).json().results).toHaveLength(1);
    expect((await search('lexical')).json().results).toHaveLength(1);
    expect(
      (
        await context.app.app.inject({
          method: 'DELETE',
          url: `/v1/documents/${id}`,
          headers: context.tenantB,
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await context.app.app.inject({
          method: 'DELETE',
          url: `/v1/documents/${id}`,
          headers: context.tenantA,
        })
      ).statusCode,
    ).toBe(204);
    expect((await documentOf(id)).statusCode).toBe(404);
    expect((await search('vector')).json().results).toEqual([]);
    expect((await search('lexical')).json().results).toEqual([]);
    expect((await context.index.listDocumentChunks('tenant-a', id, { offset: 0, limit: 10 })).total).toBe(0);
    expect(
      await context.index.searchVector(
        { tenantId: 'tenant-a', collectionIds: [collectionId], limit: 10 },
        new Array(64).fill(0.125),
      ),
    ).toEqual([]);
  });

  it('never lets another tenant read, list or search a document', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const upload = await context.upload(collectionId, {
      filename: 'a.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('Secret harbour plans.'),
    });
    await context.settle();
    const id = upload.json().document.id;
    expect((await documentOf(id, context.tenantB)).statusCode).toBe(404);
    const list = await context.app.app.inject({
      method: 'GET',
      url: `/v1/collections/${collectionId}/documents`,
      headers: context.tenantB,
    });
    expect(list.statusCode).toBe(404);
    const search = await context.app.app.inject({
      method: 'POST',
      url: '/v1/search',
      headers: context.tenantB,
      payload: { query: 'harbour', collection_ids: [collectionId] },
    });
    expect(search.statusCode).toBe(404);
    expect(search.json()).toMatchObject({ code: 'RETRIEVAL_COLLECTION_NOT_FOUND', missing: [collectionId] });
    const upload2 = await context.upload(
      collectionId,
      { filename: 'b.txt', contentType: 'text/plain', bytes: Buffer.from('x') },
      {},
      context.tenantB,
    );
    expect(upload2.statusCode).toBe(404);
    expect(
      (
        await context.app.app.inject({
          method: 'DELETE',
          url: `/v1/collections/${collectionId}`,
          headers: context.tenantB,
        })
      ).statusCode,
    ).toBe(404);
    expect((await documentOf(id)).json().status).toBe('ready');
  });

  it('deletes a collection with everything in it', async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const upload = await context.upload(collectionId, {
      filename: 'a.txt',
      contentType: 'text/plain',
      bytes: Buffer.from('Gone soon.'),
    });
    await context.settle();
    expect(
      (
        await context.app.app.inject({
          method: 'DELETE',
          url: `/v1/collections/${collectionId}`,
          headers: context.tenantA,
        })
      ).statusCode,
    ).toBe(204);
    expect((await documentOf(upload.json().document.id)).statusCode).toBe(404);
    expect(await context.index.getCollections('tenant-a', [collectionId])).toEqual([]);
  });
});
