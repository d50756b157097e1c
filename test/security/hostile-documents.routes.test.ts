import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS } from '../../src/modules/documents/index.ts';
import {
  DOCUMENT_XML_HEAD,
  DOCUMENT_XML_TAIL,
  deflateRepeated,
  docxShell,
  zipBytes,
} from '../fixtures/documents/zip-writer.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../support/documents-app.ts';

/**
 * Issue 17 item 2 through the API: a DOCX bomb (a 100 KB upload whose document.xml inflates to 100 MB
 * behind a header declaring 10 KB) and a 100,000-level JSON fail alone, as DOCUMENTS_PARSE_LIMIT_EXCEEDED
 * naming the limit, not retryable, while the document uploaded next to them is ingested.
 */

let context: DocumentsTestApp;
afterEach(async () => context?.close());

async function documentOf(id: string) {
  return (
    await context.app.app.inject({ method: 'GET', url: `/v1/documents/${id}`, headers: context.tenantA })
  ).json();
}

describe('hostile documents through ingestion', () => {
  it('fail with DOCUMENTS_PARSE_LIMIT_EXCEEDED, never retried, while others are ingested', {
    timeout: 60_000,
  }, async () => {
    context = await buildDocumentsTestApp();
    const collectionId = await context.createCollection();
    const bomb = zipBytes([
      ...docxShell(),
      {
        name: 'word/document.xml',
        data: await deflateRepeated({
          head: DOCUMENT_XML_HEAD,
          chunk: 'a'.repeat(1024 * 1024),
          times: 100,
          tail: DOCUMENT_XML_TAIL,
        }),
        method: 8,
        declaredSize: 10_000,
      },
    ]);
    const docx = await context.upload(collectionId, {
      filename: 'bomb.docx',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      bytes: bomb,
    });
    const json = await context.addText(collectionId, {
      text: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      media_type: 'application/json',
    });
    const good = await context.addText(collectionId, { text: 'All is well.', media_type: 'text/plain' });
    expect([docx.statusCode, json.statusCode, good.statusCode]).toEqual([202, 202, 202]);
    await context.settle();
    await context.settle();

    expect(await documentOf(docx.json().document.id)).toMatchObject({
      status: 'failed',
      chunk_count: 0,
      error: {
        code: 'DOCUMENTS_PARSE_LIMIT_EXCEEDED',
        retryable: false,
        detail: `word/document.xml inflates past the 10000 bytes its header declares: over the parse limit maxUncompressedBytes = ${DEFAULT_PARSE_LIMITS.maxUncompressedBytes}.`,
      },
    });
    expect(await documentOf(json.json().document.id)).toMatchObject({
      status: 'failed',
      error: {
        code: 'DOCUMENTS_PARSE_LIMIT_EXCEEDED',
        retryable: false,
        detail: expect.stringContaining(`maxNestingDepth = ${DEFAULT_PARSE_LIMITS.maxNestingDepth}`),
      },
    });
    expect(await documentOf(good.json().document.id)).toMatchObject({ status: 'ready', chunk_count: 1 });
  });
});
