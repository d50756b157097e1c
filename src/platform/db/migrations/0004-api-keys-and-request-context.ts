import { type Kysely, sql } from 'kysely';

/**
 * API keys, and the request log grown from "capability calls" to "every authenticated request": who
 * called (key), which route, what it cost, and the trace to follow; its key becomes (tenant, id). Column additions use `if not exists`
 * so they compose with usage columns other migrations may add to the same table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_key')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('scopes', 'jsonb', (column) => column.notNull())
    .addColumn('secret_hash', 'text', (column) => column.notNull())
    .addColumn('limits', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('api_key_tenant_recent')
    .on('api_key')
    .columns(['tenant_id', 'created_at desc'])
    .execute();
  await db.schema
    .createIndex('api_key_recent')
    .on('api_key')
    .columns(['created_at desc', 'id desc'])
    .execute();

  await sql`alter table request_log
    add column if not exists api_key_id text,
    add column if not exists method text,
    add column if not exists route text,
    add column if not exists cost_usd double precision not null default 0,
    add column if not exists trace_id text,
    alter column capability drop not null`.execute(db);
  // Request ids may come from clients (x-request-id): two tenants choosing the same one must not
  // collide, so the key is (tenant, id), not the id alone.
  await sql`alter table request_log drop constraint request_log_pkey, add primary key (tenant_id, id)`.execute(
    db,
  );
  await db.schema.createIndex('request_log_created').on('request_log').column('created_at').execute();
  await db.schema
    .createIndex('request_log_key_recent')
    .on('request_log')
    .columns(['api_key_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table request_log drop constraint request_log_pkey, add primary key (id)`.execute(db);
  await db.schema.dropIndex('request_log_key_recent').execute();
  await db.schema.dropIndex('request_log_created').execute();
  await sql`alter table request_log
    drop column if exists api_key_id,
    drop column if exists method,
    drop column if exists route,
    drop column if exists cost_usd,
    drop column if exists trace_id`.execute(db);
  await db.schema.dropTable('api_key').execute();
}
