import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelProcess, runKeel, startKeel, temporaryDirectory } from '../support/keel-process.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.ts';
import { requires } from '../support/tiers.ts';

/**
 * Moving from embedded to PostgreSQL: a collection ingested by an embedded `keel serve`, and an API key,
 * go through `keel export` and `keel import` into a server database. The same searches return the same
 * chunks in the same order with the same scores, the key still authenticates, and the file holds the
 * key's hash, never its token.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-export-e2e-0123';
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const QUERIES = ['lighthouse keeper', 'tide tables and harbour', 'storm warning', 'copper kettle'];
const TEXTS = [
  'The lighthouse keeper climbed the stairs each evening to light the lamp above the harbour.',
  'Tide tables hang by the harbour door; the fishermen read them before each storm warning.',
  'A copper kettle sat on the stove of the keeper, always warm, always half full of tea.',
  'Storm warning: gales are expected tonight along the coast, small boats should stay in harbour.',
];

interface SearchResult {
  chunkId: string;
  documentId: string;
  rank: number;
  score: number;
}

async function searchAll(url: string, token: string, collectionId: string): Promise<SearchResult[][]> {
  const answers: SearchResult[][] = [];
  for (const query of QUERIES) {
    const response = await fetch(`${url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, collection_ids: [collectionId], k: 5 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: SearchResult[] };
    answers.push(
      body.results.map(({ chunkId, documentId, rank, score }) => ({
        chunkId,
        documentId,
        rank,
        score: Number(score.toFixed(9)),
      })),
    );
  }
  return answers;
}

describe('keel export (embedded) then keel import (PostgreSQL)', requires('postgres'), () => {
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let temporary: TemporaryDatabase;
  let serving: KeelProcess | undefined;
  const embedded = () => ({
    KEEL_DATA_DIR: path.join(directory.path, 'data'),
    KEEL_EMBEDDINGS: 'off',
    KEEL_ADMIN_KEY: ADMIN_KEY,
    // A loaded CI machine must not shed this test's few requests.
    KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    directory = await temporaryDirectory();
    temporary = await createTemporaryDatabase();
  });
  afterAll(async () => {
    await serving?.stop();
    await temporary?.drop();
    await directory?.remove();
  });

  it('round-trips a collection, its chunks and a key; searches match before and after', {
    timeout: 120_000,
  }, async () => {
    // 1. Embedded: a key, a collection, four documents, ingested.
    serving = await startKeel({ ...embedded(), LOG_LEVEL: 'info' }, directory.path);
    const created = await fetch(`${serving.url}/v1/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: 'reader',
        tenant_id: 'harbour',
        scopes: ['documents:read', 'documents:write', 'evals:read', 'evals:write'],
      }),
    });
    expect(created.status).toBe(201);
    const { token, key } = (await created.json()) as { token: string; key: { id: string } };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const collection = await fetch(`${serving.url}/v1/collections`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'harbour-notes' }),
    });
    expect(collection.status).toBe(201);
    const collectionId = ((await collection.json()) as { id: string }).id;
    const documentIds: string[] = [];
    for (const [index, text] of TEXTS.entries()) {
      const response = await fetch(`${serving.url}/v1/collections/${collectionId}/documents`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ text, title: `note ${index}`, media_type: 'text/plain' }),
      });
      expect(response.status).toBe(202);
      documentIds.push(((await response.json()) as { document: { id: string } }).document.id);
    }
    for (const id of documentIds) {
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`${serving?.url}/v1/documents/${id}`, { headers: auth })).json()) as {
                status: string;
              }
            ).status,
          { timeout: 30_000, interval: 100 },
        )
        .toBe('ready');
    }
    const before = await searchAll(serving.url, token, collectionId);
    expect(before.flat().length).toBeGreaterThan(0);
    const dataset = await fetch(`${serving.url}/v1/datasets`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        name: 'harbour-summaries',
        capability: 'summarize',
        items: TEXTS.slice(0, 2).map((text, index) => ({ input: { text }, reference: `ref ${index}` })),
      }),
    });
    expect(dataset.status).toBe(201);
    const datasetId = ((await dataset.json()) as { id: string }).id;
    const itemsOf = async (url: string) => {
      const response = await fetch(`${url}/v1/datasets/${datasetId}/items`, { headers: auth });
      expect(response.status).toBe(200);
      return response.json();
    };
    const itemsBefore = await itemsOf(serving.url);
    expect((itemsBefore as { items: unknown[] }).items).toHaveLength(2);
    await serving.stop();
    serving = undefined;

    // 2. Export from the embedded data directory.
    const file = path.join(directory.path, 'keel-export.jsonl');
    const exported = await runKeel(['export', '--output', file], embedded(), directory.path);
    expect(exported.stderr).toContain('wrote');
    expect(exported.code).toBe(0);
    const content = await readFile(file, 'utf8');
    expect(content).not.toContain(token);
    expect(content).not.toContain(ADMIN_KEY);
    expect(content).toContain(key.id);
    // Refuses to overwrite.
    expect((await runKeel(['export', '--output', file], embedded(), directory.path)).code).toBe(1);

    // 3. Import into an empty PostgreSQL database (migrated by the import itself).
    const server = {
      ...embedded(),
      KEEL_DATA_DIR: path.join(directory.path, 'unused'),
      DATABASE_URL: temporary.url,
    };
    const imported = await runKeel(['import', file], server, directory.path);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const report = JSON.parse(imported.stdout) as { imported: Record<string, number> };
    expect(report.imported).toMatchObject({
      api_key: 1,
      document_collection: 1,
      document: TEXTS.length,
      eval_dataset: 1,
      eval_dataset_item: 2,
    });
    expect(report.imported.retrieval_chunk).toBeGreaterThanOrEqual(TEXTS.length);

    // 4. PostgreSQL: the same key authenticates, the same searches give the same answers.
    serving = await startKeel({ ...server, KEEL_API_WORKERS: 'off', LOG_LEVEL: 'info' }, directory.path);
    const after = await searchAll(serving.url, token, collectionId);
    expect(after).toEqual(before);
    expect(await itemsOf(serving.url)).toEqual(itemsBefore);
    const listed = await fetch(`${serving.url}/v1/collections/${collectionId}/documents`, { headers: auth });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(TEXTS.length);
    // Importing twice changes nothing.
    const again = await runKeel(['import', file], server, directory.path);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(
      Object.values((JSON.parse(again.stdout) as { imported: Record<string, number> }).imported).every(
        (count) => count === 0,
      ),
    ).toBe(true);
  });

  it('explains its usage errors with exit code 2', async () => {
    const missing = await runKeel(['export'], embedded(), directory.path);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--output is required');
    const noFile = await runKeel(['import'], embedded(), directory.path);
    expect(noFile.code).toBe(2);
    const unreadable = await runKeel(
      ['import', path.join(directory.path, 'nope.jsonl')],
      embedded(),
      directory.path,
    );
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('cannot read');
  });
});
