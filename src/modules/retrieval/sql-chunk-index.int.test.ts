import { sql } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeChunkIndexContract } from '../../../test/contracts/chunk-index.contract.ts';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { createTemporaryDatabase, type TemporaryDatabase } from '../../../test/support/postgres.ts';
import { requires } from '../../../test/support/tiers.ts';
import { type Database, openMigratedDatabase } from '../../platform/db/index.ts';
import { SqlChunkIndex } from './sql-chunk-index.ts';

async function emptied(database: Database): Promise<SqlChunkIndex> {
  await sql`truncate retrieval_collection, retrieval_chunk, retrieval_term cascade`.execute(database.db);
  return SqlChunkIndex.open(database);
}

describe('SqlChunkIndex on PGlite (pgvector)', () => {
  let database: Database;
  beforeAll(async () => {
    database = (await openMigratedDatabase(embeddedTarget())).database;
  });
  afterAll(async () => database?.close());
  describeChunkIndexContract('PGlite', () => emptied(database), { vectors: true });
});

describe('SqlChunkIndex on PostgreSQL (no pgvector: lexical only)', requires('postgres'), () => {
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
  describeChunkIndexContract('PostgreSQL', () => emptied(database), { vectors: false });
});
