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
    cursor: z.string().min(1).max(200).optional().describe('`next_cursor` of the previous page.'),
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
    message_count: z.number().int().describe('Messages stored (the full history, not only the window).'),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime().describe('When the last turn was stored.'),
  })
  .meta({ id: 'Conversation' });

export const messageSchema = z
  .object({
    position: z.number().int().min(1).describe('1 for the first message; no gaps.'),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    request_id: z.string().describe('The `chat` request that stored it (see `GET /v1/requests/{id}`).'),
    model: z.string().nullable().describe('`provider:model` that wrote an assistant message.'),
    usage: z
      .object({ input_tokens: z.number().int(), output_tokens: z.number().int() })
      .nullable()
      .describe('Tokens of the model call behind an assistant message.'),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'ConversationMessage' });

export const conversationPageSchema = z
  .object({ items: z.array(conversationSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'ConversationPage' });

export const conversationWithMessagesSchema = conversationSchema
  .extend({
    messages: z.array(messageSchema).describe('Oldest first, from position `after + 1`.'),
    next_after: z
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
    message_count: record.messageCount,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}

export function presentMessage(message: MessageRecord): z.output<typeof messageSchema> {
  return {
    position: message.position,
    role: message.role,
    content: message.content,
    request_id: message.requestId,
    model: message.model,
    usage: message.usage
      ? { input_tokens: message.usage.inputTokens, output_tokens: message.usage.outputTokens }
      : null,
    created_at: message.createdAt.toISOString(),
  };
}
