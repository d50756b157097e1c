import type { Kysely } from 'kysely';

/**
 * A default webhook per API key: jobs created with the key and without a webhook of their own are
 * delivered there. The secret signs deliveries, so it is stored as given (like a job's webhook secret)
 * and never returned by the API or written to exports.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_key').addColumn('webhook_url', 'text').execute();
  await db.schema.alterTable('api_key').addColumn('webhook_secret', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_key').dropColumn('webhook_secret').execute();
  await db.schema.alterTable('api_key').dropColumn('webhook_url').execute();
}
