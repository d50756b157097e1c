import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes } from '../../../test/fixtures/documents/pdf.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../../../test/support/documents-app.ts';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { type Database, openMigratedDatabase } from '../../platform/db/index.ts';
import { SqlChunkIndex } from '../retrieval/index.ts';
import type { DocumentProgress } from './document-store.port.ts';
import { SqlDocumentStore } from './sql-document-store.ts';

/** Upload -> ingestion -> search -> delete on a real database, as `keel serve` wires it. */
function describeIngestion(name: string, database: () => Database, vectors: boolean): void {
  describe(`ingestion and search on ${name}`, () => {
    let context: DocumentsTestApp;
    afterEach(async () => context?.close());

    const open = async () => {
      const { db } = database();
      await sql`truncate document_collection, document, document_source, retrieval_collection, retrieval_chunk, retrieval_term cascade`.execute(
        db,
      );
      context = await buildDocumentsTestApp({
        store: new SqlDocumentStore(db),
        index: await SqlChunkIndex.open(database()),
      });
      return context;
    };

    it(`ingests, searches (${vectors ? 'hybrid' : 'lexical: no pgvector'}) and deletes chunks and vectors`, async () => {
      await open();
      const collectionId = await context.createCollection('manuals');
      const pdf = await context.upload(collectionId, {
        filename: 'engine.pdf',
        contentType: 'application/pdf',
        bytes: pdfBytes([
          [{ text: 'Engine care', size: 18 }, 'Change the oil filter every hundred hours.'],
          ['Bleed the fuel line after a refill.'],
        ]),
      });
      await context.addText(collectionId, {
        text: '# Sails\n\nFold the jib after sailing.',
        media_type: 'text/markdown',
      });
      await context.settle();
      const response = await context.app.app.inject({
        method: 'POST',
        url: '/v1/search',
        headers: context.tenantA,
        payload: { query: 'oil filter', collection_ids: [collectionId] },
      });
      const body = response.json();
      expect(body).toMatchObject(
        vectors
          ? { mode: 'hybrid', fallback: null }
          : { mode: 'lexical', requested_mode: 'hybrid', fallback: { reason: 'vector_index_unavailable' } },
      );
      expect(body.results[0]).toMatchObject({
        document_id: pdf.json().document.id,
        title: 'engine',
        position: { page_start: 1, page_end: 2, heading_path: ['Engine care'] },
      });
      const id = pdf.json().document.id;
      const documentView = await context.app.app.inject({
        method: 'GET',
        url: `/v1/documents/${id}`,
        headers: context.tenantA,
      });
      expect(documentView.json()).toMatchObject({
        status: 'ready',
        chunks: { total: 1, embedded: vectors ? 1 : 0 },
      });
      const { db } = database();
      const vectorCount = async () =>
        vectors
          ? Number(
              (
                await sql<{
                  count: string;
                }>`select count(*) from retrieval_chunk_vector v join retrieval_chunk c on c.id = v.chunk_id where c.document_id = ${id}`.execute(
                  db,
                )
              ).rows[0]?.count,
            )
          : 0;
      if (vectors) expect(await vectorCount()).toBe(1);
      await context.app.app.inject({
        method: 'DELETE',
        url: `/v1/documents/${id}`,
        headers: context.tenantA,
      });
      expect(await vectorCount()).toBe(0);
      const remaining = await sql<{
        count: string;
      }>`select count(*) from retrieval_chunk where document_id = ${id}`.execute(db);
      expect(Number(remaining.rows[0]?.count)).toBe(0);
      if (vectors) {
        const orphans = await sql<{
          count: string;
        }>`select count(*) from retrieval_chunk_vector v left join retrieval_chunk c on c.id = v.chunk_id where c.id is null`.execute(
          db,
        );
        expect(Number(orphans.rows[0]?.count)).toBe(0);
      }
      // The statistics follow: "oil" no longer counts in the collection.
      const terms = await sql<{
        term: string;
      }>`select term from retrieval_term where collection_id = ${collectionId} and term = 'oil'`.execute(db);
      expect(terms.rows).toEqual([]);
    });

    it('resumes an interrupted ingestion where it stopped, reporting progress in order', async () => {
      await open();
      const collectionId = await context.createCollection('resume', context.tenantA, {
        chunking: { max_tokens: 32, overlap_tokens: 0 },
      });
      const text = Array.from(
        { length: 120 },
        (_, index) => `Paragraph ${index} talks about rope number ${index}.`,
      ).join('\n\n');
      const response = await context.addText(collectionId, { text });
      const id = response.json().document.id as string;
      // Take it from the background runner, whatever it managed, and start over by hand.
      await context.documents.runner.cancel('tenant-a', id);
      await context.index.deleteDocumentChunks('tenant-a', id);
      await context.store.updateDocument('tenant-a', id, {
        status: 'queued',
        stage: 'received',
        updatedAt: new Date(),
      });
      // Run it by hand and stop it right after chunking, as a crash or a shutdown would.
      const controller = new AbortController();
      const steps: DocumentProgress[] = [];
      await expect(
        context.documents.pipeline.run('tenant-a', id, {
          signal: controller.signal,
          onProgress: (progress) => {
            steps.push(progress);
            if (progress.step === 'chunk') controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow();
      const interrupted = await context.store.getDocument('tenant-a', id);
      expect(interrupted).toMatchObject({ status: 'queued', stage: 'chunked' });
      const chunkIds = (
        await context.index.listDocumentChunks('tenant-a', id, { offset: 0, limit: 100 })
      ).items.map((chunk) => chunk.id);
      const resumed: DocumentProgress[] = [];
      const outcome = await context.documents.pipeline.run('tenant-a', id, {
        onProgress: (progress) => resumed.push(progress),
      });
      expect(outcome).toMatchObject({
        status: 'ready',
        chunks: chunkIds.length,
        embedded: vectors ? chunkIds.length : 0,
      });
      expect(steps.map((step) => step.step)).toEqual(['parse', 'chunk']);
      // No parse or chunk step again: only embedding (in batches), then the end.
      expect(resumed.map((step) => step.step)).toEqual([...(vectors ? ['embed', 'embed'] : []), 'index']);
      if (vectors)
        expect(resumed.at(-2)).toEqual({ step: 'embed', completed: chunkIds.length, total: chunkIds.length });
      const after = (
        await context.index.listDocumentChunks('tenant-a', id, { offset: 0, limit: 100 })
      ).items.map((chunk) => chunk.id);
      expect(after).toEqual(chunkIds);
    });
  });
}

describe('on PGlite (pgvector)', () => {
  let database: Database;
  beforeAll(async () => {
    database = (await openMigratedDatabase(embeddedTarget())).database;
  });
  afterAll(async () => database?.close());
  describeIngestion('PGlite', () => database, true);
});

describe('on PostgreSQL (no pgvector)', requires('postgres'), () => {
  let temporary: TemporaryDatabase;
  let database: Database;
  beforeAll(async () => {
    temporary = await createTemporaryDatabase();
    database = (await openMigratedDatabase({ kind: 'postgres', url: temporary.url })).database;
  });
  afterAll(async () => {
    await database?.close();
    await temporary?.drop();
  });
  describeIngestion('PostgreSQL', () => database, false);
});
