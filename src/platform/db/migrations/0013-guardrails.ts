import { type Kysely, sql } from 'kysely';

/**
 * Guardrails (issue 19): the policies a key adds to its capabilities' (`api_key.guardrails`, names), and the
 * decisions of each logged call (`request_log.guardrails`: policy, stage, action, kinds, count; no text).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_key')
    .addColumn('guardrails', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.alterTable('request_log').addColumn('guardrails', 'jsonb').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('request_log').dropColumn('guardrails').execute();
  await db.schema.alterTable('api_key').dropColumn('guardrails').execute();
}
