import type { Kysely } from 'kysely';

/** Retention deletes conversations by their last activity: index it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('conversation_updated').on('conversation').column('updated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('conversation_updated').ifExists().execute();
}
