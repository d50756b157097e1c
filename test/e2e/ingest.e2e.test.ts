import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corruptPdfBytes, pdfBytes } from '../fixtures/documents/pdf.ts';
import { type KeelProcess, runKeel, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { createTemporaryDatabase } from '../support/postgres.ts';
import { requires } from '../support/tiers.ts';

describe('keel ingest', () => {
  let directory: { path: string; remove(): Promise<void> };
  let keel: KeelProcess;
  const adminKey = 'ingest-e2e-admin-key-0123456789';

  beforeAll(async () => {
    directory = await temporaryDirectory();
    // Lexical only: the local embedder is measured in bench/retrieval, not loaded in a test.
    keel = await startKeel(
      { KEEL_DATA_DIR: 'memory://', KEEL_EMBEDDINGS: 'off', KEEL_ADMIN_KEY: adminKey },
      directory.path,
    );
    const docs = path.join(directory.path, 'docs');
    await mkdir(path.join(docs, 'nested'), { recursive: true });
    await writeFile(path.join(docs, 'tides.md'), '# Tides\n\nHigh water comes twice a day.');
    await writeFile(path.join(docs, 'nested', 'anchor.txt'), 'Drop the anchor in sand, never on coral.');
    await writeFile(path.join(docs, 'manual.pdf'), pdfBytes([['The bilge pump keeps the hull dry.']]));
    await writeFile(path.join(docs, 'broken.pdf'), corruptPdfBytes());
    await writeFile(path.join(docs, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  }, 60_000);

  afterAll(async () => {
    await keel?.stop();
    await directory?.remove();
  });

  it('uploads a directory, waits for ingestion, reports each file, and fails only the broken one', async () => {
    const docs = path.join(directory.path, 'docs');
    const run = await runKeel(
      ['ingest', docs, '--collection', 'harbour', '--url', keel.url, '--key', adminKey],
      {},
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^failed\s+\S+broken\.pdf\s+DOCUMENTS_PARSE_FAILED: The PDF could not be read/m,
    );
    expect(run.stdout).toMatch(/^ready\s+\S+manual\.pdf\s+1 chunks$/m);
    expect(run.stdout).toMatch(/^ready\s+\S+tides\.md/m);
    expect(run.stdout).toMatch(/^ready\s+\S+anchor\.txt/m);
    expect(run.stdout).not.toContain('photo.png');
    expect(run.stdout).toMatch(/3 ready, 0 duplicate, 1 failed \(collection harbour, col_[0-9a-f]{20}\)/);
    // Without a terminal the progress bar prints one line per finished file; any other line is a retry
    // of a request a busy Keel refused (it sheds load while this machine is loaded).
    const lines = run.stderr.split('\n').filter((line) => line !== '');
    expect(lines.filter((line) => line.startsWith('['))).toHaveLength(4);
    for (const line of lines.filter((line) => !line.startsWith('[')))
      expect(line).toMatch(
        /^ {2}(Keel is busy|the connection failed) .* again in \d+\.\d s \(attempt \d of 8\)$/,
      );
    expect(run.stderr).toContain('[========================] 4/4 files');

    const collectionId = /collection harbour, (col_[0-9a-f]{20})/.exec(run.stdout)?.[1];
    const search = await fetch(`${keel.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query: 'anchor on coral', collection_ids: [collectionId] }),
    });
    const body = (await search.json()) as {
      mode: string;
      fallback: { reason: string };
      results: Array<{ title: string }>;
    };
    expect(body.mode).toBe('lexical');
    expect(body.fallback.reason).toBe('no_embedding_model');
    expect(body.results[0]?.title).toBe('anchor');

    // A second run skips what is already there. Without --url or --key it finds Keel where `keel serve`
    // with the same settings listens (PORT) and authenticates with KEEL_ADMIN_KEY.
    const again = await runKeel(['ingest', path.join(docs, '*.md'), '--collection', 'harbour'], {
      PORT: new URL(keel.url).port,
      KEEL_ADMIN_KEY: adminKey,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^duplicate\s+\S+tides\.md/m);
    // The CLI waits out a Keel that sheds load on a busy machine (Retry-After), so this may take a while.
  }, 120_000);

  it('says so when no Keel answers, and on bad usage', async () => {
    const down = await runKeel(['ingest', directory.path, '--url', 'http://127.0.0.1:9'], {});
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(
      'no Keel answers at http://127.0.0.1:9 (from --url): bad port; check --url',
    );
    expect(down.stderr).not.toMatch(/\n\s+at /);
    const usage = await runKeel(['ingest'], {});
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give at least one file, directory or glob');
    const help = await runKeel(['ingest', '--help'], {});
    expect(help.stdout).toContain('Usage: keel ingest <path or glob>');
    expect(help.stdout).toContain('KEEL_URL');
  }, 90_000);

  it('reports retrieval in /readyz', async () => {
    const ready = (await (await fetch(`${keel.url}/readyz`)).json()) as {
      checks: Array<{ name: string; details?: unknown }>;
    };
    expect(ready.checks.find((check) => check.name === 'retrieval')?.details).toEqual({
      lexical: true,
      vector: false,
      default_mode: 'lexical',
      embedding_model: null,
      reason: 'no embedding model (KEEL_EMBEDDINGS=off)',
    });
  });
});

describe('keel serve on a PostgreSQL without pgvector', requires('postgres'), () => {
  it('starts, says so in the log and in /readyz, and searches lexically', async () => {
    const database = await createTemporaryDatabase();
    const directory = await temporaryDirectory();
    // On PostgreSQL documents are ingested by job workers: this lone process runs them itself.
    const keel = await startKeel({ DATABASE_URL: database.url, KEEL_API_WORKERS: 'on' }, directory.path);
    try {
      expect(keel.logs.some((line) => String(line.msg).startsWith('pgvector is not available'))).toBe(true);
      const ready = (await (await fetch(`${keel.url}/readyz`)).json()) as {
        status: string;
        checks: Array<{ name: string; details?: unknown }>;
      };
      expect(ready.status).toBe('ready');
      expect(ready.checks.find((check) => check.name === 'retrieval')?.details).toEqual({
        lexical: true,
        vector: false,
        default_mode: 'lexical',
        embedding_model: 'local:use-lite-512',
        reason: 'the database has no pgvector extension',
      });
      const headers = { 'content-type': 'application/json' };
      const collection = (await (
        await fetch(`${keel.url}/v1/collections`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: 'pg' }),
        })
      ).json()) as { id: string; embedding: { model: string | null } };
      expect(collection.embedding.model).toBeNull();
      await fetch(`${keel.url}/v1/collections/${collection.id}/documents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ text: 'Lighthouses guide ships at night.' }),
      });
      let results: Array<{ content: string }> = [];
      for (let attempt = 0; attempt < 50 && results.length === 0; attempt++) {
        const search = (await (
          await fetch(`${keel.url}/v1/search`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ query: 'lighthouse', collection_ids: [collection.id] }),
          })
        ).json()) as { mode: string; fallback: { reason: string }; results: Array<{ content: string }> };
        expect(search).toMatchObject({ mode: 'lexical', fallback: { reason: 'vector_index_unavailable' } });
        results = search.results;
        if (results.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(results[0]?.content).toBe('Lighthouses guide ships at night.');
    } finally {
      await keel.stop();
      await directory.remove();
      await database.drop();
    }
  }, 60_000);
});
