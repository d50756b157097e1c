// Conversations: the persisted history of the `chat` capability per tenant (messages in order, written a
// whole turn at a time), the memory window a turn sends to the model, and `/v1/conversations`.

export type {
  ConversationPage,
  ConversationPageQuery,
  ConversationRecord,
  MessageRecord,
  MessageRole,
  NewConversation,
  NewMessage,
} from './conversation.ts';
export { titleOf } from './conversation.ts';
export type { ConversationStore, TurnChange } from './conversation-store.port.ts';
export { conversationErrors, conversationNotFound } from './conversations.errors.ts';
export { registerConversationRoutes } from './conversations.routes.ts';
export { conversationIdSchema } from './conversations.schemas.ts';
export { MemoryConversationStore } from './memory-conversation-store.ts';
export { type ConversationWindow, DEFAULT_CONVERSATION_WINDOW, selectWindow } from './memory-window.ts';
export { SqlConversationStore } from './sql-conversation-store.ts';
