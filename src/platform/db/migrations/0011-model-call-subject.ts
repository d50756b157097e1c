import { type Kysely, sql } from 'kysely';

/**
 * Budgets are seeded from model calls, not the request log (decision 0127): each call records who it
 * counts against. Rows of the last 32 days (the longest budget period and then some) take it from their
 * request's log row; `local` stands for requests made with auth open.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('model_call').addColumn('subject', 'text').execute();
  await db.schema
    .createIndex('model_call_subject_recent')
    .on('model_call')
    .columns(['subject', 'created_at'])
    .execute();
  await sql`
    update model_call m set subject = coalesce(r.api_key_id, 'local')
    from request_log r
    where r.tenant_id = m.tenant_id and r.id = m.request_id
      and m.created_at >= now() - interval '32 days'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('model_call_subject_recent').ifExists().execute();
  await db.schema.alterTable('model_call').dropColumn('subject').execute();
}
