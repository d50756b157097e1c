import { type Kysely, sql } from 'kysely';

/**
 * Durable jobs (modules/jobs): the job rows clients see, their ordered events, the step journal of
 * workflows, the worker registry that leases running jobs, and the webhook delivery log. The queue that
 * delivers work to workers is pg-boss, which installs and migrates its own schema (`pgboss`) at start.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('job')
    .addColumn('id', 'uuid', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('capability', 'text', (column) => column.notNull())
    .addColumn('capability_version', 'text', (column) => column.notNull())
    .addColumn('input', 'jsonb', (column) => column.notNull())
    .addColumn('status', 'text', (column) =>
      column.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`),
    )
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (column) => column.notNull())
    .addColumn('timeout_ms', 'integer', (column) => column.notNull())
    .addColumn('backoff', 'jsonb', (column) => column.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('cancel_requested_at', 'timestamptz')
    .addColumn('worker_id', 'text')
    // The queue delivery that may start the next attempt: any other delivery for this job is stale.
    .addColumn('delivery_id', 'uuid')
    .addColumn('run_after', 'timestamptz')
    .addColumn('event_seq', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('attempt_started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    // A tie-breaker for stable cursor pagination when timestamps collide.
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('job_tenant_recent')
    .on('job')
    .columns(['tenant_id', 'created_at desc', 'sequence desc'])
    .execute();
  // Only the dead-letter list gets its own index: a status column in a full index would be rewritten on
  // every state change of every job, the hottest write path there is. Other status filters scan by recency.
  await sql`create index job_tenant_failed_recent on job (tenant_id, created_at desc, sequence desc)
    where status = 'failed'`.execute(db);
  await sql`create unique index job_tenant_idempotency_key on job (tenant_id, idempotency_key)
    where idempotency_key is not null`.execute(db);
  await sql`create index job_running_worker on job (worker_id) where status = 'running'`.execute(db);

  await db.schema
    .createTable('job_event')
    .addColumn('job_id', 'uuid', (column) => column.notNull().references('job.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('data', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('job_event_pkey', ['job_id', 'seq'])
    .execute();

  await db.schema
    .createTable('job_step')
    .addColumn('job_id', 'uuid', (column) => column.notNull().references('job.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('attempt', 'integer', (column) => column.notNull())
    .addColumn('started_at', 'timestamptz', (column) => column.notNull())
    .addColumn('finished_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('job_step_pkey', ['job_id', 'name'])
    .execute();

  await db.schema
    .createTable('job_worker')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('host', 'text', (column) => column.notNull())
    .addColumn('pid', 'integer', (column) => column.notNull())
    .addColumn('started_at', 'timestamptz', (column) => column.notNull())
    .addColumn('heartbeat_at', 'timestamptz', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('job_webhook_attempt')
    .addColumn('delivery_id', 'uuid', (column) => column.notNull())
    .addColumn('attempt', 'integer', (column) => column.notNull())
    .addColumn('job_id', 'uuid', (column) => column.notNull().references('job.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('event_type', 'text', (column) => column.notNull())
    .addColumn('url', 'text', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('job_webhook_attempt_pkey', ['delivery_id', 'attempt'])
    .execute();
  await db.schema
    .createIndex('job_webhook_attempt_job')
    .on('job_webhook_attempt')
    .columns(['job_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['job_webhook_attempt', 'job_worker', 'job_step', 'job_event', 'job']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
