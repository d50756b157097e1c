import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import {
  createDocumentsDependencies,
  type DocumentsDependencies,
} from '../../../src/main/documents-dependencies.ts';
import { SqlDocumentStore } from '../../../src/modules/documents/index.ts';
import { SqlChunkIndex } from '../../../src/modules/retrieval/index.ts';
import {
  type Database,
  IN_MEMORY_DATA_DIR,
  migrateToLatest,
  openDatabase,
} from '../../../src/platform/db/index.ts';
import { createLogger } from '../../../src/platform/logging/index.ts';

export const TENANT = 'bench';

export interface KeelRetrieval {
  readonly database: Database;
  readonly index: SqlChunkIndex;
  readonly documents: DocumentsDependencies;
  close(): Promise<void>;
}

/** Keel's documents and retrieval on an embedded PGlite (on disk, or in memory), wired as `keel serve` does. */
export async function openKeelRetrieval(options: {
  readonly embeddingModel: EmbeddingModelV4 | null;
  readonly onDisk?: boolean;
}): Promise<KeelRetrieval> {
  const directory = options.onDisk ? await mkdtemp(path.join(tmpdir(), 'keel-bench-retrieval-')) : undefined;
  const database = await openDatabase({ kind: 'embedded', dataDir: directory ?? IN_MEMORY_DATA_DIR });
  await migrateToLatest(database.db);
  const index = await SqlChunkIndex.open(database);
  const documents = createDocumentsDependencies({
    store: new SqlDocumentStore(database.db),
    index,
    embeddingModel: options.embeddingModel,
    logger: createLogger({ level: 'silent' }),
    clock: { now: () => new Date() },
    maxUploadBytes: 64 * 1_048_576,
  });
  return {
    database,
    index,
    documents,
    async close() {
      await documents.runner.close();
      await database.close();
      if (directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Milliseconds since `start` with two decimals. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

export function log(message: string): void {
  process.stderr.write(`[retrieval] ${message}\n`);
}
