import type { Kysely } from 'kysely';

/**
 * Variants (decision 0165): immutable versioned prompt/model/settings records per capability, one traffic
 * policy per capability (stable, canary, shadows, automatic rollback), the events of its changes, and the
 * observations online evals aggregate. The request log and model calls record the variant that served.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('variant')
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('instructions', 'text')
    .addColumn('model', 'text')
    .addColumn('settings', 'jsonb', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('variant_pkey', ['capability', 'version'])
    .execute();
  await db.schema
    .createTable('variant_policy')
    .addColumn('capability', 'text', (column) => column.primaryKey())
    .addColumn('stable_version', 'integer')
    .addColumn('canary_version', 'integer')
    .addColumn('canary_percent', 'double precision')
    .addColumn('shadows', 'jsonb', (column) => column.notNull())
    .addColumn('auto_rollback', 'jsonb', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('variant_event')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('version', 'integer')
    .addColumn('details', 'jsonb', (column) => column.notNull())
    .addColumn('webhook', 'text', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('variant_event_recent')
    .on('variant_event')
    .columns(['capability', 'sequence desc'])
    .execute();
  await db.schema
    .createTable('variant_observation')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('version', 'integer')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('error_code', 'text')
    .addColumn('schema_valid', 'boolean', (column) => column.notNull())
    .addColumn('latency_ms', 'double precision', (column) => column.notNull())
    .addColumn('cost_usd', 'double precision', (column) => column.notNull())
    .addColumn('score', 'double precision')
    .addColumn('agreement', 'double precision')
    .addColumn('rating', 'double precision')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('variant_observation_recent')
    .on('variant_observation')
    .columns(['capability', 'created_at'])
    .execute();
  await db.schema
    .createIndex('variant_observation_request')
    .on('variant_observation')
    .columns(['tenant_id', 'request_id'])
    .execute();
  await db.schema.alterTable('request_log').addColumn('variant', 'text').execute();
  await db.schema.alterTable('model_call').addColumn('variant', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('model_call').dropColumn('variant').execute();
  await db.schema.alterTable('request_log').dropColumn('variant').execute();
  await db.schema.dropTable('variant_observation').ifExists().execute();
  await db.schema.dropTable('variant_event').ifExists().execute();
  await db.schema.dropTable('variant_policy').ifExists().execute();
  await db.schema.dropTable('variant').ifExists().execute();
}
