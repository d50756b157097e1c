import { randomUUID } from 'node:crypto';
import {
  APICallError,
  InvalidResponseDataError,
  JSONParseError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4FinishReason,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4Prompt,
  type LanguageModelV4StreamPart,
  type LanguageModelV4StreamResult,
  type LanguageModelV4Usage,
  TypeValidationError,
} from '@ai-sdk/provider';

/** Where and how a lean stream posts: the same endpoint, headers and fetch as the AI SDK provider it stands in for. */
export interface LeanChatEndpoint {
  /** `<baseURL>/chat/completions`. */
  readonly url: string;
  /** The provider's headers (its key as a bearer token, configured headers). */
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch | undefined;
}

/**
 * An OpenAI-compatible chat model whose calls of plain text are made and read by Keel itself (decision 0206).
 *
 * The AI SDK's provider reads a stream through four web-stream stages (bytes, text, events, a JSON parse
 * with a Zod validation of every chunk, parts), about 15 µs of CPU per token on this machine; the lean
 * reader does the same work in one pull-based stage, about 4 µs. It takes only the calls whose request and
 * answer it fully understands: text and system messages, the common settings, no tools, no response
 * format, no provider options, no raw chunks. Every other call is the AI SDK model's. A plain call is one
 * POST and one `JSON.parse` with a structural check in place of the SDK's Zod schema. What it yields follows
 * the provider's results and parts exactly (ids, metadata, usage, finish reasons, error parts), and its
 * failures are the same `APICallError`s, so the gateway's retries, fallbacks, breakers and accounting see
 * no difference.
 */
export class LeanChatStreamModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4';
  readonly #inner: LanguageModelV4;
  readonly #endpoint: LeanChatEndpoint;

  constructor(inner: LanguageModelV4, endpoint: LeanChatEndpoint) {
    this.#inner = inner;
    this.#endpoint = endpoint;
  }

  get provider(): string {
    return this.#inner.provider;
  }

  get modelId(): string {
    return this.#inner.modelId;
  }

  get supportedUrls(): LanguageModelV4['supportedUrls'] {
    return this.#inner.supportedUrls;
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const messages = plainMessages(options);
    if (messages === undefined) return this.#inner.doGenerate(options);
    return this.#generate(options, messages);
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const messages = plainMessages(options);
    if (messages === undefined) return this.#inner.doStream(options);
    return this.#stream(options, messages);
  }

  async #generate(
    options: LanguageModelV4CallOptions,
    messages: unknown[],
  ): Promise<LanguageModelV4GenerateResult> {
    const body = requestBody(this.modelId, options, messages);
    const { url } = this.#endpoint;
    const response = await this.#post(options, body);
    const responseHeaders = headersOf(response);
    if (!response.ok) throw await statusFailure(response, responseHeaders, url, body);
    const responseBody = await response.text();
    let raw: unknown;
    try {
      raw = JSON.parse(responseBody);
    } catch (cause) {
      const error = new JSONParseError({ text: responseBody, cause });
      throw invalidJson(error, response, responseHeaders, responseBody, url, body);
    }
    const problem = completionProblem(raw);
    if (problem !== undefined) {
      const cause = new TypeValidationError({ value: raw, cause: new Error(problem) });
      throw invalidJson(cause, response, responseHeaders, responseBody, url, body);
    }
    const completion = raw as Completion;
    const choice = completion.choices[0];
    if (choice === undefined) {
      throw new InvalidResponseDataError({ data: raw, message: 'Response did not contain any choices.' });
    }
    const content: LanguageModelV4GenerateResult['content'] = [];
    const thought = choice.message.reasoning_content ?? choice.message.reasoning;
    if (thought != null && thought.length > 0) content.push({ type: 'reasoning', text: thought });
    for (const part of contentParts(choice.message.content)) content.push(part);
    const refusal = typeof choice.message.refusal === 'string' ? choice.message.refusal : undefined;
    const hasRefusal = refusal !== undefined && refusal.length > 0;
    if (hasRefusal) content.push({ type: 'text', text: refusal });
    for (const call of choice.message.tool_calls ?? []) {
      content.push({
        type: 'tool-call',
        toolCallId: call.id || randomUUID(),
        toolName: call.function.name,
        input: call.function.arguments,
      });
    }
    return {
      content,
      finishReason: {
        unified: unifiedFinishReason(choice.finish_reason ?? '', hasRefusal),
        raw: choice.finish_reason ?? undefined,
      },
      usage: modelUsage(completion.usage ?? undefined),
      providerMetadata: predictionMetadata(this.#metadataKey, completion.usage ?? undefined),
      request: { body: JSON.stringify(body) },
      response: {
        id: completion.id ?? undefined,
        modelId: completion.model ?? undefined,
        timestamp: completion.created != null ? new Date(completion.created * 1000) : undefined,
        headers: responseHeaders,
        body: raw,
      },
      warnings: [],
    };
  }

  /** The provider's metadata key: its name before `.chat`. */
  get #metadataKey(): string {
    return this.provider.split('.')[0]?.trim() ?? this.provider;
  }

  async #post(options: LanguageModelV4CallOptions, body: object): Promise<Response> {
    const { url } = this.#endpoint;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.#endpoint.headers };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) headers[name] = value;
    }
    try {
      return await (this.#endpoint.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      });
    } catch (error) {
      throw fetchFailure(error, url, body);
    }
  }

  async #stream(
    options: LanguageModelV4CallOptions,
    messages: unknown[],
  ): Promise<LanguageModelV4StreamResult> {
    const body = {
      ...requestBody(this.modelId, options, messages),
      stream: true,
      // Accounting needs the usage, which streams report only when asked.
      stream_options: { include_usage: true },
    };
    const { url } = this.#endpoint;
    const response = await this.#post(options, body);
    const responseHeaders = headersOf(response);
    if (!response.ok) throw await statusFailure(response, responseHeaders, url, body);
    if (response.body === null) {
      throw new APICallError({
        message: 'The response has no body.',
        url,
        requestBodyValues: body,
        statusCode: response.status,
        responseHeaders,
      });
    }
    return {
      stream: partsOf(response.body, this.#metadataKey),
      request: { body },
      response: { headers: responseHeaders },
    };
  }
}

/** The request's messages in OpenAI's shape when the lean stream can take the call, else undefined. */
function plainMessages(options: LanguageModelV4CallOptions): unknown[] | undefined {
  if (
    (options.tools !== undefined && options.tools.length > 0) ||
    options.toolChoice !== undefined ||
    (options.responseFormat !== undefined && options.responseFormat.type !== 'text') ||
    options.providerOptions !== undefined ||
    options.topK !== undefined ||
    options.reasoning !== undefined ||
    options.includeRawChunks === true
  ) {
    return undefined;
  }
  return openAIMessages(options.prompt);
}

function openAIMessages(prompt: LanguageModelV4Prompt): unknown[] | undefined {
  const messages: unknown[] = [];
  for (const message of prompt) {
    if (message.providerOptions !== undefined) return undefined;
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user': {
        const texts: string[] = [];
        for (const part of message.content) {
          if (part.type !== 'text' || part.providerOptions !== undefined) return undefined;
          texts.push(part.text);
        }
        messages.push({
          role: 'user',
          content: texts.length === 1 ? texts[0] : texts.map((text) => ({ type: 'text', text })),
        });
        break;
      }
      case 'assistant': {
        let text = '';
        for (const part of message.content) {
          if (part.type !== 'text' || part.providerOptions !== undefined) return undefined;
          text += part.text;
        }
        messages.push({ role: 'assistant', content: text });
        break;
      }
      default:
        return undefined;
    }
  }
  return messages;
}

/** A chunk of a chat-completions stream, as far as the lean reader reads it. */
interface Chunk {
  readonly id?: string | null;
  readonly created?: number | null;
  readonly model?: string | null;
  readonly usage?: UpstreamUsage | null;
  readonly choices?: ReadonlyArray<{
    readonly finish_reason?: string | null;
    readonly delta?: {
      readonly content?: unknown;
      readonly reasoning_content?: string | null;
      readonly reasoning?: string | null;
      readonly refusal?: string | null;
    } | null;
  }>;
  readonly error?: unknown;
}

interface UpstreamUsage {
  readonly prompt_tokens?: number | null;
  readonly completion_tokens?: number | null;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number | null } | null;
  readonly completion_tokens_details?: {
    readonly reasoning_tokens?: number | null;
    readonly accepted_prediction_tokens?: number | null;
    readonly rejected_prediction_tokens?: number | null;
  } | null;
}

const TEXT_ID = 'txt-0';
const REASONING_ID = 'reasoning-0';

/** Server-sent events of chat-completion chunks, read and turned into model parts in one pull-based stage. */
function partsOf(
  body: ReadableStream<Uint8Array>,
  metadataKey: string,
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string | undefined;
  let ended = false;
  let metadataSent = false;
  let activeText = false;
  let activeReasoning = false;
  let hasRefusal = false;
  let usage: UpstreamUsage | undefined;
  let rawFinishReason: string | undefined;
  let failed = false;
  let cancelled = false;

  const text = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, delta: string) => {
    if (activeReasoning) {
      controller.enqueue({ type: 'reasoning-end', id: REASONING_ID });
      activeReasoning = false;
    }
    if (!activeText) {
      controller.enqueue({ type: 'text-start', id: TEXT_ID });
      activeText = true;
    }
    controller.enqueue({ type: 'text-delta', id: TEXT_ID, delta });
  };
  const reasoning = (
    controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>,
    delta: string,
  ) => {
    if (activeText) {
      controller.enqueue({ type: 'text-end', id: TEXT_ID });
      activeText = false;
    }
    if (!activeReasoning) {
      controller.enqueue({ type: 'reasoning-start', id: REASONING_ID });
      activeReasoning = true;
    }
    controller.enqueue({ type: 'reasoning-delta', id: REASONING_ID, delta });
  };

  const event = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>, payload: string) => {
    if (payload === '[DONE]') return;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch (cause) {
      failed = true;
      controller.enqueue({ type: 'error', error: new JSONParseError({ text: payload, cause }) });
      return;
    }
    if (typeof value !== 'object' || value === null) {
      failed = true;
      controller.enqueue({
        type: 'error',
        error: new InvalidResponseDataError({ data: value, message: 'A stream chunk is not an object.' }),
      });
      return;
    }
    const chunk = value as Chunk;
    if ('error' in chunk && chunk.error !== undefined) {
      failed = true;
      controller.enqueue({ type: 'error', error: chunk.error });
      return;
    }
    if (!metadataSent && (chunk.id || chunk.model || chunk.created)) {
      metadataSent = true;
      controller.enqueue({
        type: 'response-metadata',
        id: chunk.id ?? undefined,
        modelId: chunk.model ?? undefined,
        timestamp: chunk.created ? new Date(chunk.created * 1000) : undefined,
      });
    }
    if (chunk.usage != null) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice?.finish_reason != null) rawFinishReason = choice.finish_reason;
    const delta = choice?.delta;
    if (delta == null) return;
    const thought = delta.reasoning_content ?? delta.reasoning;
    if (thought) reasoning(controller, thought);
    for (const part of contentParts(delta.content)) {
      if (part.type === 'text') text(controller, part.text);
      else reasoning(controller, part.text);
    }
    if (delta.refusal != null && delta.refusal.length > 0) {
      hasRefusal = true;
      text(controller, delta.refusal);
    }
  };

  const finish = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>) => {
    if (activeReasoning) controller.enqueue({ type: 'reasoning-end', id: REASONING_ID });
    if (activeText) controller.enqueue({ type: 'text-end', id: TEXT_ID });
    let finishReason: LanguageModelV4FinishReason = { unified: 'error', raw: undefined };
    if (rawFinishReason !== undefined) {
      finishReason = { unified: unifiedFinishReason(rawFinishReason, hasRefusal), raw: rawFinishReason };
    } else if (!failed) {
      controller.enqueue({
        type: 'error',
        error: new InvalidResponseDataError({
          data: undefined,
          message: 'Response stream ended without a finish reason.',
        }),
      });
    }
    controller.enqueue({
      type: 'finish',
      finishReason,
      usage: modelUsage(usage),
      providerMetadata: predictionMetadata(metadataKey, usage),
    });
    controller.close();
  };

  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: [] });
    },
    async pull(controller) {
      // Read until this pull produced a part (or the body ended): one stage from bytes to parts.
      const before = controller.desiredSize;
      while (!ended && controller.desiredSize === before) {
        const next = await reader.read();
        // The consumer went away while this read waited: nothing more may be enqueued.
        if (cancelled) return;
        if (next.done) {
          ended = true;
          buffered += decoder.decode();
          if (buffered.length > 0) buffered += '\n\n';
        } else {
          buffered += decoder.decode(next.value, { stream: true });
        }
        let newline = buffered.indexOf('\n');
        while (newline !== -1) {
          const line =
            buffered.charCodeAt(newline - 1) === 13
              ? buffered.slice(0, newline - 1)
              : buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.length === 0) {
            if (data !== undefined) event(controller, data);
            data = undefined;
          } else if (line.startsWith('data:')) {
            const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
            data = data === undefined ? value : `${data}\n${value}`;
          }
          newline = buffered.indexOf('\n');
        }
        if (ended) finish(controller);
      }
    },
    cancel(reason) {
      cancelled = true;
      return reader.cancel(reason);
    },
  });
}

function unifiedFinishReason(raw: string, hasRefusal: boolean): LanguageModelV4FinishReason['unified'] {
  switch (raw) {
    case 'stop':
      return hasRefusal ? 'content-filter' : 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls';
    default:
      return 'other';
  }
}

function modelUsage(usage: UpstreamUsage | undefined): LanguageModelV4Usage {
  if (usage === undefined) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      raw: undefined,
    };
  }
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: undefined },
    outputTokens: { total: output, text: Math.max(0, output - reasoningTokens), reasoning: reasoningTokens },
    raw: usage as Record<string, unknown>,
  } as LanguageModelV4Usage;
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** As the AI SDK reports a failed fetch: an abort as itself, a connection failure as a retryable APICallError. */
function fetchFailure(error: unknown, url: string, body: unknown): unknown {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  if (error instanceof TypeError) {
    const cause = (error as { cause?: { message?: unknown } }).cause;
    return new APICallError({
      message: `Cannot connect to API: ${typeof cause?.message === 'string' ? cause.message : error.message}`,
      cause: cause ?? error,
      url,
      requestBodyValues: body,
      isRetryable: true,
    });
  }
  return error;
}

/** As the AI SDK reports an error status: OpenAI's `{error: {message}}` as the message, retryable on 408, 409, 429, 5xx. */
async function statusFailure(
  response: Response,
  responseHeaders: Record<string, string>,
  url: string,
  body: unknown,
): Promise<APICallError> {
  const responseBody = await response.text().catch(() => '');
  let message = response.statusText;
  let data: unknown;
  try {
    const parsed = JSON.parse(responseBody) as { error?: { message?: unknown } };
    if (typeof parsed?.error?.message === 'string') {
      message = parsed.error.message;
      data = parsed;
    }
  } catch {
    // Not JSON: the status text says it.
  }
  const status = response.status;
  return new APICallError({
    message,
    url,
    requestBodyValues: body,
    statusCode: status,
    responseHeaders,
    responseBody,
    isRetryable: status === 408 || status === 409 || status === 429 || status >= 500,
    ...(data === undefined ? {} : { data }),
  });
}

/** The request body fields shared by streamed and plain calls, as the AI SDK provider writes them. */
function requestBody(model: string, options: LanguageModelV4CallOptions, messages: unknown[]) {
  return {
    model,
    max_tokens: options.maxOutputTokens,
    temperature: options.temperature,
    top_p: options.topP,
    frequency_penalty: options.frequencyPenalty,
    presence_penalty: options.presencePenalty,
    stop: options.stopSequences,
    seed: options.seed,
    messages,
  };
}

/** OpenAI's message content (a string, or parts of text and `thinking`) as text and reasoning parts. */
function contentParts(content: unknown): Array<{ type: 'text' | 'reasoning'; text: string }> {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const parts: Array<{ type: 'text' | 'reasoning'; text: string }> = [];
  for (const part of content as Array<{ type?: unknown; text?: unknown; thinking?: unknown }>) {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text.length > 0) parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'thinking' && Array.isArray(part.thinking)) {
      const thinking = (part.thinking as Array<{ type?: unknown; text?: unknown }>)
        .filter((piece) => piece?.type === 'text' && typeof piece.text === 'string')
        .map((piece) => piece.text)
        .join('');
      if (thinking.length > 0) parts.push({ type: 'reasoning', text: thinking });
    }
  }
  return parts;
}

function predictionMetadata(key: string, usage: UpstreamUsage | undefined) {
  const predictions = usage?.completion_tokens_details;
  return {
    [key]: {
      ...(predictions?.accepted_prediction_tokens != null
        ? { acceptedPredictionTokens: predictions.accepted_prediction_tokens }
        : {}),
      ...(predictions?.rejected_prediction_tokens != null
        ? { rejectedPredictionTokens: predictions.rejected_prediction_tokens }
        : {}),
    },
  };
}

/** A chat completion, as far as the lean reader reads it (checked by `completionProblem` first). */
interface Completion {
  readonly id?: string | null;
  readonly created?: number | null;
  readonly model?: string | null;
  readonly usage?: UpstreamUsage | null;
  readonly choices: ReadonlyArray<{
    readonly finish_reason?: string | null;
    readonly message: {
      readonly content?: unknown;
      readonly reasoning_content?: string | null;
      readonly reasoning?: string | null;
      readonly refusal?: unknown;
      readonly tool_calls?: ReadonlyArray<{
        readonly id?: string | null;
        readonly function: { readonly name: string; readonly arguments: string };
      }> | null;
    };
  }>;
}

const isNullish = (value: unknown) => value === null || value === undefined;
const optional = (value: unknown, type: 'string' | 'number') => isNullish(value) || typeof value === type;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What is wrong with a completion the AI SDK's response schema would refuse, or undefined. */
function completionProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  if (
    !optional(value.id, 'string') ||
    !optional(value.created, 'number') ||
    !optional(value.model, 'string')
  ) {
    return 'id, created or model of the wrong type';
  }
  if (!Array.isArray(value.choices)) return 'choices is not an array';
  for (const choice of value.choices as unknown[]) {
    if (!isObject(choice) || !isObject(choice.message)) return 'a choice without a message';
    if (!optional(choice.finish_reason, 'string')) return 'finish_reason is not a string';
    const message = choice.message;
    if (!isNullish(message.role) && message.role !== 'assistant') return 'role is not assistant';
    const content = message.content;
    if (
      !isNullish(content) &&
      typeof content !== 'string' &&
      !(Array.isArray(content) && content.every((part) => isObject(part) && typeof part.type === 'string'))
    ) {
      return 'content is neither text nor parts';
    }
    if (!optional(message.reasoning_content, 'string') || !optional(message.reasoning, 'string')) {
      return 'reasoning is not text';
    }
    if (!isNullish(message.tool_calls)) {
      if (!Array.isArray(message.tool_calls)) return 'tool_calls is not an array';
      for (const call of message.tool_calls as unknown[]) {
        if (!isObject(call) || !optional(call.id, 'string') || !isObject(call.function))
          return 'a malformed tool call';
        if (typeof call.function.name !== 'string' || typeof call.function.arguments !== 'string') {
          return 'a malformed tool call';
        }
      }
    }
  }
  if (!isNullish(value.usage)) {
    if (!isObject(value.usage)) return 'usage is not an object';
    for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens']) {
      if (!optional(value.usage[field], 'number')) return `usage.${field} is not a number`;
    }
  }
  return undefined;
}

/** As the AI SDK reports a 2xx answer it cannot read: "Invalid JSON response", not retryable. */
function invalidJson(
  cause: unknown,
  response: Response,
  responseHeaders: Record<string, string>,
  responseBody: string,
  url: string,
  body: unknown,
): APICallError {
  return new APICallError({
    message: 'Invalid JSON response',
    cause,
    statusCode: response.status,
    responseHeaders,
    responseBody,
    url,
    requestBodyValues: body,
  });
}
