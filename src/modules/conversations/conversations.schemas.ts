import { z } from 'zod';
import type { ConversationRecord, MessageRecord } from './conversation.ts';

/** Conversation ids as Keel makes them (`conv_<hex>`); anything of this shape is looked up, then 404s. */
export const conversationIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a conversation id (`conv_…`)');

export const conversationParamsSchema = z.object({ conversationId: conversationIdSchema }).strict();

export const conversationListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50).describe('Conversations per page.'),
    cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page.'),
  })
  .strict();

export const conversationMessagesQuerySchema = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Return messages after this position (`nextAfter` of the previous read).'),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('Messages to return at most.'),
  })
  .strict();

export const conversationSchema = z
  .object({
    id: z.string(),
    title: z.string().describe('The start of the first message.'),
    system: z
      .string()
      .nullable()
      .describe('The system prompt turns use when they send none (the last one sent); null: none.'),
    messageCount: z.number().int().describe('Messages stored (the full history, not only the window).'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime().describe('When the last turn was stored.'),
  })
  .meta({ id: 'Conversation' });

export const messageSchema = z
  .object({
    position: z.number().int().min(1).describe('1 for the first message; no gaps.'),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    requestId: z.string().describe('The `chat` request that stored it (see `GET /v1/requests/{id}`).'),
    model: z.string().nullable().describe('`provider:model` that wrote an assistant message.'),
    usage: z
      .object({ inputTokens: z.number().int(), outputTokens: z.number().int() })
      .nullable()
      .describe('Tokens of the model call behind an assistant message.'),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'ConversationMessage' });

export const conversationPageSchema = z
  .object({ items: z.array(conversationSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'ConversationPage' });

export const conversationWithMessagesSchema = conversationSchema
  .extend({
    messages: z.array(messageSchema).describe('Oldest first, from position `after + 1`.'),
    nextAfter: z
      .number()
      .int()
      .nullable()
      .describe('Pass it as `after` to read the next messages; null when these are the last.'),
  })
  .meta({ id: 'ConversationWithMessages' });

export function presentConversation(record: ConversationRecord): z.output<typeof conversationSchema> {
  return {
    id: record.id,
    title: record.title,
    system: record.system,
    messageCount: record.messageCount,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function presentMessage(message: MessageRecord): z.output<typeof messageSchema> {
  return {
    position: message.position,
    role: message.role,
    content: message.content,
    requestId: message.requestId,
    model: message.model,
    usage: message.usage,
    createdAt: message.createdAt.toISOString(),
  };
}
