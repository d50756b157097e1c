import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './conversation.cursor.ts';
import type {
  ConversationPage,
  ConversationPageQuery,
  ConversationRecord,
  MessageRecord,
  NewConversation,
  NewMessage,
} from './conversation.ts';
import type { ConversationStore, TurnChange } from './conversation-store.port.ts';

interface Entry {
  conversation: ConversationRecord;
  readonly sequence: number;
  readonly messages: MessageRecord[];
}

/** Conversations in this process: tests and tools; the contract suite holds it to the SQL adapter's behaviour. */
export class MemoryConversationStore implements ConversationStore {
  readonly #entries = new Map<string, Entry>();
  #sequence = 0;

  async create(conversation: NewConversation, messages: readonly NewMessage[]): Promise<ConversationRecord> {
    if (this.#entries.has(conversation.id)) throw new Error(`conversation ${conversation.id} exists`);
    this.#sequence += 1;
    const stored = messages.map((message, index) => ({ ...message, position: index + 1 }));
    const record: ConversationRecord = {
      ...conversation,
      messageCount: stored.length,
      updatedAt: conversation.createdAt,
    };
    this.#entries.set(conversation.id, { conversation: record, sequence: this.#sequence, messages: stored });
    return record;
  }

  async append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    change: TurnChange,
  ): Promise<ConversationRecord | undefined> {
    const entry = this.#find(tenantId, id);
    if (entry === undefined) return undefined;
    const start = entry.conversation.messageCount;
    entry.messages.push(...messages.map((message, index) => ({ ...message, position: start + index + 1 })));
    entry.conversation = {
      ...entry.conversation,
      messageCount: start + messages.length,
      updatedAt: change.updatedAt,
      system: change.system === undefined ? entry.conversation.system : change.system,
    };
    return entry.conversation;
  }

  async get(tenantId: string, id: string): Promise<ConversationRecord | undefined> {
    return this.#find(tenantId, id)?.conversation;
  }

  async recentMessages(tenantId: string, id: string, limit: number): Promise<MessageRecord[]> {
    const messages = this.#find(tenantId, id)?.messages ?? [];
    return limit <= 0 ? [] : messages.slice(-limit);
  }

  async listMessages(
    tenantId: string,
    id: string,
    query: { readonly after: number; readonly limit: number },
  ): Promise<MessageRecord[]> {
    const messages = this.#find(tenantId, id)?.messages ?? [];
    return messages.filter((message) => message.position > query.after).slice(0, query.limit);
  }

  async list(tenantId: string, query: ConversationPageQuery): Promise<ConversationPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const ordered = [...this.#entries.values()]
      .filter((entry) => entry.conversation.tenantId === tenantId)
      .sort(
        (a, b) =>
          b.conversation.createdAt.getTime() - a.conversation.createdAt.getTime() || b.sequence - a.sequence,
      )
      .filter((entry) => {
        if (after === undefined) return true;
        const time = entry.conversation.createdAt.getTime();
        const afterTime = after.createdAt.getTime();
        return time < afterTime || (time === afterTime && entry.sequence < Number(after.sequence));
      });
    return pageOf(
      ordered,
      query.limit,
      (entry) => entry.conversation,
      (last) => encodeCursor({ createdAt: last.conversation.createdAt, sequence: String(last.sequence) }),
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    if (this.#find(tenantId, id) === undefined) return false;
    return this.#entries.delete(id);
  }

  async deleteInactiveSince(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.conversation.updatedAt < cutoff) {
        this.#entries.delete(id);
        deleted += 1;
      }
    }
    return deleted;
  }

  #find(tenantId: string, id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    return entry?.conversation.tenantId === tenantId ? entry : undefined;
  }
}
