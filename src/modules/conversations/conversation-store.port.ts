import type {
  ConversationPage,
  ConversationPageQuery,
  ConversationRecord,
  MessageRecord,
  NewConversation,
  NewMessage,
} from './conversation.ts';

/** What a completed turn changes besides its messages. */
export interface TurnChange {
  readonly updatedAt: Date;
  /** A new system prompt for later turns; undefined keeps the stored one. */
  readonly system?: string | undefined;
}

/**
 * Storage port of conversations and their messages. Every method filters by tenant in the query: another
 * tenant's ids behave like missing ones. Writes are atomic: a conversation and its messages appear together,
 * and the messages of one `append` get consecutive positions even when appends to the same conversation race.
 */
export interface ConversationStore {
  /** Stores a new conversation with its first messages (positions 1..n), all or nothing. */
  create(conversation: NewConversation, messages: readonly NewMessage[]): Promise<ConversationRecord>;
  /**
   * Appends messages after the conversation's last one, all or nothing, and applies `change`. Concurrent
   * appends are serialised: each gets its own consecutive run of positions. Undefined when the tenant has
   * no such conversation (nothing is written).
   */
  append(
    tenantId: string,
    id: string,
    messages: readonly NewMessage[],
    change: TurnChange,
  ): Promise<ConversationRecord | undefined>;
  get(tenantId: string, id: string): Promise<ConversationRecord | undefined>;
  /** The last `limit` messages, oldest first (the memory window's candidates). */
  recentMessages(tenantId: string, id: string, limit: number): Promise<MessageRecord[]>;
  /** Messages with a position greater than `after`, oldest first, at most `limit`. */
  listMessages(
    tenantId: string,
    id: string,
    query: { readonly after: number; readonly limit: number },
  ): Promise<MessageRecord[]>;
  /** The tenant's conversations, newest first (by creation), each exactly once across pages. */
  list(tenantId: string, query: ConversationPageQuery): Promise<ConversationPage>;
  /** Deletes the conversation and its messages; false when there was none. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /**
   * Retention: deletes every tenant's conversations last continued before `cutoff` (by `updatedAt`), with
   * their messages; returns how many conversations went.
   */
  deleteInactiveSince(cutoff: Date): Promise<number>;
}
