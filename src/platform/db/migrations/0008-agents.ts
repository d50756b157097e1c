import { type Kysely, sql } from 'kysely';

/**
 * Agent runs (their state: conversation, pending tool calls, limits, usage), their audit trail (one row per
 * proposed tool call, with who allowed it) and their ordered events. See docs/decisions/0090.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent_run')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('api_key_id', 'text')
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('outcome', 'text')
    .addColumn('goal', 'text', (column) => column.notNull())
    .addColumn('instructions', 'text')
    .addColumn('model', 'text')
    .addColumn('tools', 'jsonb', (column) => column.notNull())
    .addColumn('approval_required', 'jsonb', (column) => column.notNull())
    .addColumn('limits', 'jsonb', (column) => column.notNull())
    .addColumn('usage', 'jsonb', (column) => column.notNull())
    .addColumn('messages', 'jsonb', (column) => column.notNull())
    .addColumn('pending_calls', 'jsonb', (column) => column.notNull())
    .addColumn('pending_action_id', 'text')
    .addColumn('segment', 'integer', (column) => column.notNull())
    .addColumn('output', 'text')
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('agent_run_tenant_recent')
    .on('agent_run')
    .columns(['tenant_id', 'created_at desc', 'id desc'])
    .execute();

  await db.schema
    .createTable('agent_action')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('run_id', 'text', (column) => column.notNull().references('agent_run.id').onDelete('cascade'))
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('step', 'integer', (column) => column.notNull())
    .addColumn('tool_call_id', 'text', (column) => column.notNull())
    .addColumn('tool_name', 'text', (column) => column.notNull())
    .addColumn('arguments', 'jsonb', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('allowed_by', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decision_reason', 'text')
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('agent_action_run')
    .on('agent_action')
    .columns(['run_id', 'sequence'])
    .execute();

  await db.schema
    .createTable('agent_event')
    .addColumn('run_id', 'text', (column) => column.notNull().references('agent_run.id').onDelete('cascade'))
    .addColumn('id', 'integer', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('data', 'jsonb', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('agent_event_pk', ['run_id', 'id'])
    .execute();
  await sql`comment on table agent_action is 'Audit trail: every tool call an agent proposed, with who allowed it'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_event').execute();
  await db.schema.dropTable('agent_action').execute();
  await db.schema.dropTable('agent_run').execute();
}
