import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { ConversationStore } from './conversation-store.port.ts';
import { conversationNotFound } from './conversations.errors.ts';
import {
  conversationListQuerySchema,
  conversationMessagesQuerySchema,
  conversationPageSchema,
  conversationParamsSchema,
  conversationWithMessagesSchema,
  presentConversation,
  presentMessage,
} from './conversations.schemas.ts';

// Conversations are the `chat` capability's state: whoever may chat may read and delete them.
const CHAT_SCOPE = 'capability:chat';

/** `GET /v1/conversations`, `GET` and `DELETE /v1/conversations/{conversationId}`, tenant-scoped. */
export function registerConversationRoutes(
  app: HttpServer,
  { store }: { readonly store: ConversationStore },
): void {
  app.get(
    '/v1/conversations',
    {
      config: { scope: CHAT_SCOPE },
      schema: {
        operationId: 'listConversations',
        summary: 'List conversations',
        description:
          'Your tenant’s `chat` conversations, newest first (by creation), without their messages. Pages with `cursor`.',
        tags: ['Conversations'],
        querystring: conversationListQuerySchema,
        response: {
          200: conversationPageSchema,
          ...problemResponses({
            400: 'A query parameter is not valid (`CONVERSATIONS_LIST_CURSOR_INVALID` for a bad cursor).',
          }),
        },
      },
    },
    async (request) => {
      const page = await store.list(request.tenantId, request.query);
      return { items: page.items.map(presentConversation), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/conversations/:conversationId',
    {
      config: { scope: CHAT_SCOPE },
      schema: {
        operationId: 'getConversation',
        summary: 'Get a conversation with its messages',
        description:
          'The conversation and its full stored history, oldest first, `limit` messages at a time from position `after + 1`.',
        tags: ['Conversations'],
        params: conversationParamsSchema,
        querystring: conversationMessagesQuerySchema,
        response: {
          200: conversationWithMessagesSchema,
          ...problemResponses({
            400: 'A parameter is not valid.',
            404: 'No such conversation for your tenant (`CONVERSATIONS_NOT_FOUND`).',
          }),
        },
      },
    },
    async (request) => {
      const { conversationId } = request.params;
      const conversation = await store.get(request.tenantId, conversationId);
      if (conversation === undefined) throw conversationNotFound(conversationId);
      const { after, limit } = request.query;
      const messages = await store.listMessages(request.tenantId, conversationId, { after, limit });
      const last = messages.at(-1);
      return {
        ...presentConversation(conversation),
        messages: messages.map(presentMessage),
        next_after: last !== undefined && last.position < conversation.messageCount ? last.position : null,
      };
    },
  );

  app.delete(
    '/v1/conversations/:conversationId',
    {
      config: { scope: CHAT_SCOPE },
      schema: {
        operationId: 'deleteConversation',
        summary: 'Delete a conversation',
        description:
          'Deletes the conversation and every message of it. A `chat` turn still running on it then answers 404.',
        tags: ['Conversations'],
        params: conversationParamsSchema,
        response: {
          204: z.null().describe('Deleted.'),
          ...problemResponses({ 404: 'No such conversation for your tenant (`CONVERSATIONS_NOT_FOUND`).' }),
        },
      },
    },
    async (request, reply) => {
      const { conversationId } = request.params;
      if (!(await store.delete(request.tenantId, conversationId))) throw conversationNotFound(conversationId);
      reply.code(204);
      return null;
    },
  );
}
