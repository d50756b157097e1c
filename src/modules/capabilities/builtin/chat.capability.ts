import { randomBytes } from 'node:crypto';
import { type ModelMessage, streamText } from 'ai';
import { z } from 'zod';
import { AppError } from '../../../platform/errors/index.ts';
import {
  type ConversationRecord,
  type ConversationStore,
  type ConversationWindow,
  conversationIdSchema,
  conversationNotFound,
  DEFAULT_CONVERSATION_WINDOW,
  type MessageRecord,
  type NewMessage,
  selectWindow,
  titleOf,
} from '../../conversations/index.ts';
import { gatewayErrors } from '../../gateway/index.ts';
import { type Clock, defineCapability } from '../define-capability.ts';
import { engineFields, LOCAL_ENGINE, modelChoiceField, modelProvenance } from '../engine-choice.ts';

export const chatInputSchema = z
  .object({
    conversation_id: conversationIdSchema
      .optional()
      .describe(
        'The conversation to continue (an `id` from an earlier reply or `GET /v1/conversations`). Omitted: a new conversation starts.',
      ),
    message: z.string().min(1).max(32_000).describe("The user's message."),
    system: z
      .string()
      .min(1)
      .max(16_000)
      .optional()
      .describe(
        'System prompt for this turn; it is stored and later turns that send none reuse it. Omitted: the conversation’s stored one, if any.',
      ),
    model: modelChoiceField,
    max_tokens: z
      .number()
      .int()
      .min(1)
      .max(8_192)
      .default(1_024)
      .describe('Upper bound on the tokens of the reply.'),
  })
  .strict()
  .meta({ id: 'ChatInput', title: 'ChatInput' });

export const chatOutputSchema = z
  .object({
    reply: z.string().describe("The model's reply, stored in the conversation with the message."),
    conversation_id: z.string().describe('The conversation this turn belongs to (new or continued).'),
    ...engineFields,
  })
  .meta({ id: 'ChatOutput', title: 'ChatOutput' });

export interface ChatCapabilityOptions {
  readonly conversations: ConversationStore;
  readonly clock: Clock;
  /** How much history a turn sends to the model; `DEFAULT_CONVERSATION_WINDOW` when omitted. */
  readonly window?: ConversationWindow;
  /** Ids of new conversations (tests); `conv_<20 hex>` by default. */
  readonly newId?: () => string;
}

/** `chat`: a conversation with a model, persisted per tenant, with a bounded memory window. */
export function createChatCapability(options: ChatCapabilityOptions) {
  const { conversations, clock } = options;
  const window = options.window ?? DEFAULT_CONVERSATION_WINDOW;
  const newId = options.newId ?? (() => `conv_${randomBytes(10).toString('hex')}`);
  return defineCapability({
    name: 'chat',
    version: '1.0.0',
    summary: 'Chat in a persisted conversation',
    description: `Sends \`message\` to the model with the conversation's recent history and returns its \`reply\`. Omit \`conversation_id\` to start a conversation; pass the returned one to continue it. Conversations are stored per tenant (\`GET /v1/conversations\`); each turn sends at most the last ${window.maxMessages} messages within ${window.maxTokens} tokens (with the system prompt and the new message), while the full history stays stored. The message and the reply are stored together once the reply is complete: a failed or aborted turn stores nothing. Needs a generative model: with none configured, or \`model: "local"\`, it answers 503 \`MODEL_NOT_CONFIGURED\`.`,
    input: chatInputSchema,
    output: chatOutputSchema,
    examples: [
      {
        summary: 'Start a conversation',
        input: { message: 'What does a keel do?', system: 'Answer in one sentence.' },
        output: {
          reply: 'It keeps a sailing boat upright and stops it sliding sideways.',
          conversation_id: 'conv_4f1c2a9b7e3d5c6a8b0f',
          engine: 'model',
          model: 'openai:gpt-4o-mini',
          usage: { input_tokens: 24, output_tokens: 14 },
        },
      },
      {
        summary: 'Continue it',
        input: { conversation_id: 'conv_4f1c2a9b7e3d5c6a8b0f', message: 'And a centreboard?' },
      },
    ],
    async run(input, context) {
      const requested = input.model ?? context.modelChoice;
      if (requested === LOCAL_ENGINE || (requested === undefined && context.models.routed === LOCAL_ENGINE)) {
        throw new AppError(gatewayErrors.MODEL_NOT_CONFIGURED, {
          detail:
            'chat needs a generative model: the embedded local engine does not converse. Choose a model (`model`, `models.routes.chat`) or configure one (OPENAI_API_KEY, OPENAI_BASE_URL + KEEL_MODEL, ANTHROPIC_API_KEY).',
        });
      }
      // Throws MODEL_NOT_CONFIGURED (503, naming what to set) when nothing can serve it.
      const model = context.models.language(input.model);

      // In a job the turn is a journaled step: a job redelivered after the turn was stored gets the stored
      // output back instead of calling the model and storing the turn a second time.
      return context.step('turn', async () => {
        let conversation: ConversationRecord | undefined;
        let history: MessageRecord[] = [];
        if (input.conversation_id !== undefined) {
          conversation = await conversations.get(context.tenantId, input.conversation_id);
          if (conversation === undefined) throw conversationNotFound(input.conversation_id);
          history = await conversations.recentMessages(context.tenantId, conversation.id, window.maxMessages);
        }
        // The caller's system prompt, else the conversation's, else the serving variant's instructions.
        const system = input.system ?? conversation?.system ?? context.variant?.instructions ?? undefined;
        const fixed = system === undefined ? [input.message] : [system, input.message];
        const windowed = await selectWindow(history, window, fixed);
        const messages: ModelMessage[] = [
          ...windowed.map((message): ModelMessage => ({ role: message.role, content: message.content })),
          { role: 'user', content: input.message },
        ];

        const result = streamText({
          model,
          ...(system === undefined ? {} : { instructions: system }),
          messages,
          maxOutputTokens: input.max_tokens,
          abortSignal: context.signal,
          // Keel's gateway owns retries (one loop, not one per layer).
          maxRetries: 0,
          // Errors arrive as stream parts below; the default handler would only print them.
          onError: () => {},
        });
        let reply = '';
        for await (const part of result.fullStream) {
          if (part.type === 'text-delta') {
            reply += part.text;
            await context.emit({ type: 'text-delta', delta: part.text });
          } else if (part.type === 'error') {
            throw part.error;
          } else if (part.type === 'abort') {
            throw abortReason(context.signal);
          }
        }
        // Nothing half-written: an aborted turn stores neither the message nor the partial reply.
        if (context.signal.aborted) throw abortReason(context.signal);

        const provenance = modelProvenance(context);
        const at = clock.now();
        const turn: NewMessage[] = [
          {
            role: 'user',
            content: input.message,
            requestId: context.requestId,
            model: null,
            usage: null,
            createdAt: at,
          },
          {
            role: 'assistant',
            content: reply,
            requestId: context.requestId,
            model: provenance.model,
            usage: {
              inputTokens: provenance.usage.input_tokens,
              outputTokens: provenance.usage.output_tokens,
            },
            createdAt: at,
          },
        ];
        let stored: ConversationRecord | undefined;
        if (conversation === undefined) {
          stored = await conversations.create(
            {
              id: newId(),
              tenantId: context.tenantId,
              title: titleOf(input.message),
              // The variant's instructions are not the conversation's: a later variant brings its own.
              system: input.system ?? null,
              createdAt: at,
            },
            turn,
          );
        } else {
          stored = await conversations.append(context.tenantId, conversation.id, turn, {
            updatedAt: at,
            system: input.system,
          });
          // Deleted while the model answered: the turn has nowhere to go.
          if (stored === undefined) throw conversationNotFound(conversation.id);
        }
        return { reply, conversation_id: stored.id, ...provenance };
      });
    },
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The chat turn was aborted', 'AbortError');
}
