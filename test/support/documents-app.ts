import type { Response } from 'light-my-request';
import {
  createDocumentsDependencies,
  type DocumentsDependencies,
} from '../../src/main/documents-dependencies.ts';
import { type DocumentStore, MemoryDocumentStore } from '../../src/modules/documents/index.ts';
import { type ChunkIndex, MemoryChunkIndex } from '../../src/modules/retrieval/index.ts';
import { createLogger } from '../../src/platform/logging/index.ts';
import { fakeEmbeddingModel } from '../fixtures/documents/fake-embedding-model.ts';
import { type MultipartFile, multipartBody } from '../fixtures/documents/multipart.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

export interface DocumentsTestApp {
  readonly app: TestApp;
  readonly documents: DocumentsDependencies;
  readonly store: DocumentStore;
  readonly index: ChunkIndex;
  /** `authorization` headers of keys in two tenants, with documents:read and documents:write. */
  readonly tenantA: Record<string, string>;
  readonly tenantB: Record<string, string>;
  createCollection(
    name?: string,
    headers?: Record<string, string>,
    body?: Record<string, unknown>,
  ): Promise<string>;
  upload(
    collectionId: string,
    file: MultipartFile,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Response>;
  addText(
    collectionId: string,
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Waits for background ingestion to finish. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface DocumentsTestOptions {
  readonly embeddingModel?: ReturnType<typeof fakeEmbeddingModel> | null;
  readonly store?: DocumentStore;
  readonly index?: ChunkIndex;
  readonly maxUploadBytes?: number;
}

/** The real app with documents and retrieval wired to the given (default: in-memory) adapters. */
export async function buildDocumentsTestApp(options: DocumentsTestOptions = {}): Promise<DocumentsTestApp> {
  const store = options.store ?? new MemoryDocumentStore();
  const index = options.index ?? new MemoryChunkIndex();
  const documents = createDocumentsDependencies({
    store,
    index,
    embeddingModel: options.embeddingModel === undefined ? fakeEmbeddingModel() : options.embeddingModel,
    logger: createLogger({ level: 'silent' }),
    clock: { now: () => new Date() },
    maxUploadBytes: options.maxUploadBytes ?? 1_048_576,
  });
  const app = await buildTestApp({ documents });
  const scopes = ['documents:read', 'documents:write'];
  const tokenA = (await app.keys.create({ name: 'a', tenantId: 'tenant-a', scopes })).token;
  const tokenB = (await app.keys.create({ name: 'b', tenantId: 'tenant-b', scopes })).token;
  const tenantA = { authorization: `Bearer ${tokenA}` };
  const tenantB = { authorization: `Bearer ${tokenB}` };
  return {
    app,
    documents,
    store,
    index,
    tenantA,
    tenantB,
    async createCollection(
      name = `collection-${Math.random().toString(36).slice(2, 8)}`,
      headers = tenantA,
      body = {},
    ) {
      const response = await app.app.inject({
        method: 'POST',
        url: '/v1/collections',
        headers,
        payload: { name, ...body },
      });
      if (response.statusCode !== 201) throw new Error(`collection not created: ${response.body}`);
      return response.json().id as string;
    },
    upload(collectionId, file, fields = {}, headers = tenantA) {
      const { payload, headers: multipartHeaders } = multipartBody(fields, [file]);
      return app.app.inject({
        method: 'POST',
        url: `/v1/collections/${collectionId}/documents/upload`,
        headers: { ...headers, ...multipartHeaders },
        payload,
      });
    },
    addText(collectionId, body, headers = tenantA) {
      return app.app.inject({
        method: 'POST',
        url: `/v1/collections/${collectionId}/documents`,
        headers,
        payload: body,
      });
    },
    settle: () => documents.runner.idle(),
    async close() {
      await documents.runner.close();
      await app.close();
    },
  };
}
