import { type Kysely, type Selectable, sql } from 'kysely';
import type { KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './conversation.cursor.ts';
import type {
  ConversationPage,
  ConversationPageQuery,
  ConversationRecord,
  MessageRecord,
  MessageRole,
  NewConversation,
  NewMessage,
} from './conversation.ts';
import type { ConversationStore, TurnChange } from './conversation-store.port.ts';

type ConversationRow = Selectable<KeelTables['conversation']>;
type MessageRow = Selectable<KeelTables['conversation_message']>;

/** Conversations in PostgreSQL or PGlite (same SQL for both). */
export class SqlConversationStore implements ConversationStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async create(conversation: NewConversation, messages: readonly NewMessage[]): Promise<ConversationRecord> {
    return this.#db.transaction().execute(async (transaction) => {
      const row = await transaction
        .insertInto('conversation')
        .values({
          id: conversation.id,
          tenant_id: conversation.tenantId,
          title: conversation.title,
          system: conversation.system,
          message_count: messages.length,
          created_at: conversation.createdAt,
          updated_at: conversation.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await insertMessages(transaction, conversation.id, conversation.tenantId, 0, messages);
      return toConversation(row);
    });
  }

  async append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    change: TurnChange,
  ): Promise<ConversationRecord | undefined> {
    return this.#db.transaction().execute(async (transaction) => {
      // The update takes the conversation's row lock: a racing append waits here and then starts after us.
      const row = await transaction
        .updateTable('conversation')
        .set((eb) => ({
          message_count: eb('message_count', '+', messages.length),
          updated_at: change.updatedAt,
          ...(change.system === undefined ? {} : { system: change.system }),
        }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await insertMessages(transaction, id, tenantId, row.message_count - messages.length, messages);
      return toConversation(row);
    });
  }

  async get(tenantId: string, id: string): Promise<ConversationRecord | undefined> {
    const row = await this.#db
      .selectFrom('conversation')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toConversation(row) : undefined;
  }

  async recentMessages(tenantId: string, id: string, limit: number): Promise<MessageRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.#db
      .selectFrom('conversation_message')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', id)
      .orderBy('position', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map(toMessage);
  }

  async listMessages(
    tenantId: string,
    id: string,
    query: { readonly after: number; readonly limit: number },
  ): Promise<MessageRecord[]> {
    const rows = await this.#db
      .selectFrom('conversation_message')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('conversation_id', '=', id)
      .where('position', '>', query.after)
      .orderBy('position', 'asc')
      .limit(query.limit)
      .execute();
    return rows.map(toMessage);
  }

  async list(tenantId: string, query: ConversationPageQuery): Promise<ConversationPage> {
    let select = this.#db.selectFrom('conversation').selectAll().where('tenant_id', '=', tenantId);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      select = select.where(
        sql<boolean>`(created_at, sequence) < (${after.createdAt}::timestamptz, ${after.sequence}::bigint)`,
      );
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('sequence', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows, query.limit, toConversation, (last) =>
      encodeCursor({ createdAt: new Date(last.created_at), sequence: String(last.sequence) }),
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('conversation')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteInactiveSince(cutoff: Date): Promise<number> {
    // Messages go with their conversation (foreign key, on delete cascade).
    const result = await this.#db
      .deleteFrom('conversation')
      .where('updated_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

async function insertMessages(
  db: Kysely<KeelTables>,
  conversationId: string,
  tenantId: string,
  start: number,
  messages: readonly NewMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('conversation_message')
    .values(
      messages.map((message, index) => ({
        conversation_id: conversationId,
        position: start + index + 1,
        tenant_id: tenantId,
        role: message.role,
        content: message.content,
        request_id: message.requestId,
        model: message.model,
        input_tokens: message.usage?.inputTokens ?? null,
        output_tokens: message.usage?.outputTokens ?? null,
        created_at: message.createdAt,
      })),
    )
    .execute();
}

function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    system: row.system,
    messageCount: Number(row.message_count),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    position: Number(row.position),
    // The column's check constraint admits only the two roles.
    role: row.role as MessageRole,
    content: row.content,
    requestId: row.request_id,
    model: row.model,
    usage:
      row.input_tokens === null || row.output_tokens === null
        ? null
        : { inputTokens: Number(row.input_tokens), outputTokens: Number(row.output_tokens) },
    createdAt: new Date(row.created_at),
  };
}
