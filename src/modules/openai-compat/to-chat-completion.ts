import type {
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { ChatCompletion } from './chat-completions.schema.ts';

export type OpenAIFinishReason = ChatCompletion['choices'][number]['finish_reason'];

/** The answer's identity, shared by a JSON answer and every chunk of a stream. */
export interface CompletionIdentity {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

/** A generate result as OpenAI's `chat.completion` object. */
export function toChatCompletion(
  result: LanguageModelV4GenerateResult,
  identity: CompletionIdentity,
): ChatCompletion {
  let text = '';
  let hasText = false;
  const toolCalls: NonNullable<ChatCompletion['choices'][number]['message']['tool_calls']> = [];
  for (const part of result.content) {
    if (part.type === 'text') {
      text += part.text;
      hasText = true;
    } else if (part.type === 'tool-call') {
      toolCalls.push({
        id: part.toolCallId,
        type: 'function',
        function: { name: part.toolName, arguments: part.input },
      });
    }
  }
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: hasText || toolCalls.length === 0 ? text : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toFinishReason(result.finishReason, toolCalls.length > 0),
      },
    ],
    usage: toUsage(result.usage),
  };
}

export function toFinishReason(
  reason: LanguageModelV4FinishReason,
  calledTools: boolean,
): OpenAIFinishReason {
  switch (reason.unified) {
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return calledTools ? 'tool_calls' : 'stop';
  }
}

export function toUsage(usage: LanguageModelV4Usage): ChatCompletion['usage'] {
  const prompt = usage.inputTokens.total ?? 0;
  const completion = usage.outputTokens.total ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
