import type {
  LanguageModelV4CallOptions,
  LanguageModelV4FilePart,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4TextPart,
  LanguageModelV4ToolChoice,
} from '@ai-sdk/provider';
import type { ChatCompletionRequest, ChatMessage } from './chat-completions.schema.ts';

type UserContent = Extract<ChatMessage, { role: 'user' }>['content'];

/**
 * An OpenAI chat completion request as AI SDK call options, so it goes through the same gateway (routes,
 * retries, accounting, middlewares) as a capability's calls. Tools and `response_format` pass through to
 * the provider; tool results find their tool's name from the assistant message that called it.
 */
export function toCallOptions(
  request: ChatCompletionRequest,
  abortSignal: AbortSignal,
): LanguageModelV4CallOptions {
  const options: LanguageModelV4CallOptions = { prompt: toPrompt(request.messages), abortSignal };
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) options.maxOutputTokens = maxTokens;
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.topP = request.top_p;
  if (request.presence_penalty != null) options.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequencyPenalty = request.frequency_penalty;
  if (request.seed != null) options.seed = request.seed;
  if (request.stop != null)
    options.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.tools !== undefined && request.tools.length > 0) {
    options.tools = request.tools.map(
      (tool): LanguageModelV4FunctionTool => ({
        type: 'function',
        name: tool.function.name,
        ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
        inputSchema: (tool.function.parameters ?? {
          type: 'object',
          properties: {},
        }) as LanguageModelV4FunctionTool['inputSchema'],
        ...(tool.function.strict == null ? {} : { strict: tool.function.strict }),
      }),
    );
  }
  if (request.tool_choice !== undefined) options.toolChoice = toToolChoice(request.tool_choice);
  const format = request.response_format;
  if (format?.type === 'json_object') options.responseFormat = { type: 'json' };
  else if (format?.type === 'json_schema') {
    options.responseFormat = {
      type: 'json',
      name: format.json_schema.name,
      ...(format.json_schema.description === undefined
        ? {}
        : { description: format.json_schema.description }),
      ...(format.json_schema.schema === undefined
        ? {}
        : {
            schema: format.json_schema.schema as NonNullable<
              Extract<LanguageModelV4CallOptions['responseFormat'], { type: 'json' }>['schema']
            >,
          }),
    };
  }
  return options;
}

function toToolChoice(choice: NonNullable<ChatCompletionRequest['tool_choice']>): LanguageModelV4ToolChoice {
  if (typeof choice === 'string') return { type: choice };
  return { type: 'tool', toolName: choice.function.name };
}

function toPrompt(messages: readonly ChatMessage[]): LanguageModelV4Prompt {
  const toolNames = new Map<string, string>();
  const prompt: LanguageModelV4Message[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        prompt.push({ role: 'system', content: textOf(message.content) });
        break;
      case 'user':
        prompt.push({ role: 'user', content: userParts(message.content) });
        break;
      case 'assistant': {
        const content: Extract<LanguageModelV4Message, { role: 'assistant' }>['content'] = [];
        const text = message.content == null ? '' : textOf(message.content);
        if (text !== '') content.push({ type: 'text', text });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          content.push({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.function.name,
            input: parseArguments(call.function.arguments),
          });
        }
        prompt.push({ role: 'assistant', content });
        break;
      }
      case 'tool':
        prompt.push({
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: message.tool_call_id,
              toolName: toolNames.get(message.tool_call_id) ?? 'unknown',
              output: { type: 'text', value: textOf(message.content) },
            },
          ],
        });
        break;
    }
  }
  return prompt;
}

function textOf(content: string | ReadonlyArray<{ text: string }>): string {
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

function userParts(content: UserContent): Array<LanguageModelV4TextPart | LanguageModelV4FilePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part) => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const url = part.image_url.url;
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (data)
      return { type: 'file', mediaType: data[1] ?? 'image', data: { type: 'data', data: data[2] ?? '' } };
    return { type: 'file', mediaType: 'image', data: { type: 'url', url: new URL(url) } };
  });
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Models sometimes send arguments that are not JSON; pass them on as they came.
    return text;
  }
}
