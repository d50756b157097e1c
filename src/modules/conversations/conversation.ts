/** Who wrote a message: the caller (`user`) or the model (`assistant`). */
export type MessageRole = 'user' | 'assistant';

/** One stored message. Positions start at 1 and have no gaps: a turn appends its two messages together. */
export interface MessageRecord {
  readonly position: number;
  readonly role: MessageRole;
  readonly content: string;
  /** The request (and request-log record) of the turn that wrote it. */
  readonly requestId: string;
  /** `provider:model` that wrote an assistant message; null for the user's. */
  readonly model: string | null;
  /** Tokens of the model call behind an assistant message; null for the user's. */
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | null;
  readonly createdAt: Date;
}

/** A message before it is stored: the store gives it its position. */
export type NewMessage = Omit<MessageRecord, 'position'>;

export interface ConversationRecord {
  readonly id: string;
  readonly tenantId: string;
  /** The start of the first user message, for lists. */
  readonly title: string;
  /** The system prompt later turns use when they do not send one; null: none. */
  readonly system: string | null;
  readonly messageCount: number;
  readonly createdAt: Date;
  /** When the last turn was stored. */
  readonly updatedAt: Date;
}

/** A new conversation: stored together with its first messages, so it never exists empty. */
export type NewConversation = Omit<ConversationRecord, 'messageCount' | 'updatedAt'>;

export interface ConversationPage {
  readonly items: readonly ConversationRecord[];
  readonly nextCursor: string | null;
}

export interface ConversationPageQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

const TITLE_LENGTH = 80;

/** A conversation's title: its first message on one line, cut at a word near 80 characters. */
export function titleOf(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  if (line.length <= TITLE_LENGTH) return line;
  const cut = line.slice(0, TITLE_LENGTH);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
