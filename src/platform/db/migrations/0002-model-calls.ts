import type { Kysely } from 'kysely';

/** Owned by the gateway: one row per model call (usage, cost, resilience facts), read per request id. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('model_call')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('operation', 'text', (column) => column.notNull())
    .addColumn('route', 'text', (column) => column.notNull())
    .addColumn('deployment', 'text')
    .addColumn('provider', 'text')
    .addColumn('model', 'text')
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('error_code', 'text')
    .addColumn('input_tokens', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('output_tokens', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('tokens_estimated', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('latency_ms', 'double precision', (column) => column.notNull())
    .addColumn('time_to_first_token_ms', 'double precision')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('retries', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('fallbacks', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('cache_hit', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('cost_usd', 'double precision')
    .addColumn('repair', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    // A tie-breaker for stable cursor pagination when timestamps collide.
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('model_call_tenant_request')
    .on('model_call')
    .columns(['tenant_id', 'request_id'])
    .execute();
  await db.schema
    .createIndex('model_call_tenant_recent')
    .on('model_call')
    .columns(['tenant_id', 'created_at desc', 'sequence desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('model_call').execute();
}
