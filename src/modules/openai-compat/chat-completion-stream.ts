import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { AppError, asAppError } from '../../platform/errors/index.ts';
import { toOpenAIErrorBody } from './openai-error.ts';
import { type CompletionIdentity, toFinishReason, toUsage } from './to-chat-completion.ts';

/**
 * A model stream as OpenAI's SSE: `chat.completion.chunk` events (role, content and tool-call deltas,
 * then the finish reason, then usage when `include_usage` asked for it) and `data: [DONE]`. A failure
 * after the first token is sent as OpenAI sends one, a `data: {"error": ...}` event, and the stream ends
 * without `[DONE]`, so no client mistakes a cut answer for a complete one. Pulled by the response:
 * nothing is read from upstream faster than the client takes it.
 */
export async function* chatCompletionEvents(
  stream: ReadableStream<LanguageModelV4StreamPart>,
  identity: CompletionIdentity,
  options: {
    readonly includeUsage: boolean;
    readonly requestId: string;
    /** At the server's shutdown deadline the stream ends with its reason (SERVICE_SHUTTING_DOWN) as an error event. */
    readonly shutdown?: AbortSignal;
  },
): AsyncGenerator<string> {
  const head = `data: {"id":${JSON.stringify(identity.id)},"object":"chat.completion.chunk","created":${identity.created},"model":${JSON.stringify(identity.model)},`;
  const tail = options.includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const chunk = (delta: string, finishReason: string | null = null) =>
    `${head}"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason === null ? 'null' : JSON.stringify(finishReason)}}]${tail}`;

  const reader = stream.getReader();
  const toolIndexes = new Map<string, number>();
  let started = false;
  let completed = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
      try {
        next = await readUnlessStopped(reader, options.shutdown);
      } catch (error) {
        // The model stream failed outside the gateway's error parts, the client left, or the server reached
        // its shutdown deadline: say so, end.
        yield `data: ${JSON.stringify(toOpenAIErrorBody(streamError(error, options.shutdown), options.requestId))}\n\n`;
        return;
      }
      if (next.done) break;
      const part = next.value;
      if (!started && startsOutput(part)) {
        started = true;
        yield chunk('{"role":"assistant","content":""}');
      }
      switch (part.type) {
        case 'text-delta':
          if (part.delta !== '') yield chunk(`{"content":${JSON.stringify(part.delta)}}`);
          break;
        case 'reasoning-delta':
          if (part.delta !== '') yield chunk(`{"reasoning_content":${JSON.stringify(part.delta)}}`);
          break;
        case 'tool-input-start': {
          const index = toolIndexes.size;
          toolIndexes.set(part.id, index);
          yield chunk(
            JSON.stringify({
              tool_calls: [
                { index, id: part.id, type: 'function', function: { name: part.toolName, arguments: '' } },
              ],
            }),
          );
          break;
        }
        case 'tool-input-delta': {
          const index = toolIndexes.get(part.id);
          if (index !== undefined && part.delta !== '') {
            yield chunk(JSON.stringify({ tool_calls: [{ index, function: { arguments: part.delta } }] }));
          }
          break;
        }
        case 'tool-call':
          // Providers that do not stream tool inputs send the whole call at once.
          if (!toolIndexes.has(part.toolCallId)) {
            const index = toolIndexes.size;
            toolIndexes.set(part.toolCallId, index);
            yield chunk(
              JSON.stringify({
                tool_calls: [
                  {
                    index,
                    id: part.toolCallId,
                    type: 'function',
                    function: { name: part.toolName, arguments: part.input },
                  },
                ],
              }),
            );
          }
          break;
        case 'error':
          yield `data: ${JSON.stringify(toOpenAIErrorBody(streamError(part.error, options.shutdown), options.requestId))}\n\n`;
          return;
        case 'finish':
          if (part.finishReason.unified === 'error') return;
          if (!started) {
            started = true;
            yield chunk('{"role":"assistant","content":""}');
          }
          yield chunk('{}', toFinishReason(part.finishReason, toolIndexes.size > 0));
          if (options.includeUsage) {
            yield `${head}"choices":[],"usage":${JSON.stringify(toUsage(part.usage))}}\n\n`;
          }
          completed = true;
          break;
        default:
          break;
      }
    }
    if (completed) yield 'data: [DONE]\n\n';
  } finally {
    // The client left (or the stream failed): stop reading, which cancels the upstream call.
    if (!completed) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** The next part, or the shutdown signal's reason once it aborts, whichever comes first. */
function readUnlessStopped<T>(
  reader: ReadableStreamDefaultReader<T>,
  shutdown: AbortSignal | undefined,
): Promise<ReadableStreamReadResult<T>> {
  if (shutdown === undefined) return reader.read();
  if (shutdown.aborted) return Promise.reject(shutdown.reason);
  return new Promise((resolve, reject) => {
    const onShutdown = () => reject(shutdown.reason);
    shutdown.addEventListener('abort', onShutdown, { once: true });
    reader.read().then(
      (result) => {
        shutdown.removeEventListener('abort', onShutdown);
        resolve(result);
      },
      (error: unknown) => {
        shutdown.removeEventListener('abort', onShutdown);
        reject(error);
      },
    );
  });
}

function startsOutput(part: LanguageModelV4StreamPart): boolean {
  return (
    part.type === 'text-delta' ||
    part.type === 'reasoning-delta' ||
    part.type === 'tool-input-start' ||
    part.type === 'tool-call'
  );
}

function streamError(error: unknown, shutdown?: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  // An abort caused by the shutdown deadline surfaces from the provider as a bare AbortError.
  if (shutdown?.aborted && shutdown.reason instanceof AppError) return shutdown.reason;
  return asAppError(error);
}
