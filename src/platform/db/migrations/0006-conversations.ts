import { type Kysely, sql } from 'kysely';

/**
 * Conversations of the `chat` capability and their messages. A message's position is unique in its
 * conversation (the primary key), so two turns can never claim the same place; `message_count` is the
 * last position, bumped under the conversation's row lock when a turn is appended.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversation')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('system', 'text')
    .addColumn('message_count', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('sequence', 'bigserial', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_tenant_recent')
    .on('conversation')
    .columns(['tenant_id', 'created_at desc', 'sequence desc'])
    .execute();

  await db.schema
    .createTable('conversation_message')
    .addColumn('conversation_id', 'text', (column) =>
      column.notNull().references('conversation.id').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('request_id', 'text', (column) => column.notNull())
    .addColumn('model', 'text')
    .addColumn('input_tokens', 'integer')
    .addColumn('output_tokens', 'integer')
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('conversation_message_position', ['conversation_id', 'position'])
    .addCheckConstraint('conversation_message_role', sql`role in ('user', 'assistant')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('conversation_message').ifExists().execute();
  await db.schema.dropTable('conversation').ifExists().execute();
}
