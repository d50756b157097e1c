import { type Kysely, sql } from 'kysely';

/**
 * Evals and feedback: versioned datasets (items carry the version that added them), eval runs with their
 * per-variant summary, per-item results, and feedback on logged requests. Keys lead with the tenant so
 * every read is tenant-scoped by its index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('eval_dataset')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('item_count', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('eval_dataset_pkey', ['tenant_id', 'id'])
    .addUniqueConstraint('eval_dataset_name', ['tenant_id', 'name'])
    .execute();
  await db.schema
    .createIndex('eval_dataset_recent')
    .on('eval_dataset')
    .columns(['tenant_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createTable('eval_dataset_item')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('dataset_id', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('input', 'jsonb', (column) => column.notNull())
    .addColumn('expected', 'jsonb')
    .addColumn('reference', 'text')
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('feedback_id', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('eval_dataset_item_pkey', ['tenant_id', 'dataset_id', 'position'])
    .execute();
  await db.schema
    .createTable('eval_run')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('dataset_id', 'text', (column) => column.notNull())
    .addColumn('dataset_version', 'integer', (column) => column.notNull())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('variants', 'jsonb', (column) => column.notNull())
    .addColumn('scorers', 'jsonb', (column) => column.notNull())
    .addColumn('concurrency', 'integer', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('job_id', 'text')
    .addColumn('completed', 'integer', (column) => column.notNull())
    .addColumn('total', 'integer', (column) => column.notNull())
    .addColumn('summary', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addPrimaryKeyConstraint('eval_run_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('eval_run_recent')
    .on('eval_run')
    .columns(['tenant_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createTable('eval_result')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('run_id', 'text', (column) => column.notNull())
    .addColumn('item_id', 'text', (column) => column.notNull())
    .addColumn('variant', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('output', 'jsonb')
    .addColumn('scores', 'jsonb', (column) => column.notNull())
    .addColumn('latency_ms', 'integer', (column) => column.notNull())
    .addColumn('input_tokens', 'integer', (column) => column.notNull())
    .addColumn('output_tokens', 'integer', (column) => column.notNull())
    .addColumn('cost_usd', 'double precision')
    .addColumn('error', 'jsonb')
    .addPrimaryKeyConstraint('eval_result_pkey', ['tenant_id', 'run_id', 'item_id', 'variant'])
    .execute();
  await db.schema
    .createTable('feedback')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('rating_kind', 'text')
    .addColumn('rating_value', 'integer')
    .addColumn('label', 'text')
    .addColumn('comment', 'text')
    .addColumn('correction', 'jsonb')
    .addColumn('api_key_id', 'text')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('feedback_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('feedback_recent')
    .on('feedback')
    .columns(['tenant_id', 'created_at desc', 'id desc'])
    .execute();
  await db.schema
    .createIndex('feedback_request')
    .on('feedback')
    .columns(['tenant_id', 'request_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['feedback', 'eval_result', 'eval_run', 'eval_dataset_item', 'eval_dataset']) {
    await sql`drop table if exists ${sql.table(table)}`.execute(db);
  }
}
