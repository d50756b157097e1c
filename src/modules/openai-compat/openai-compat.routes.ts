import { z } from 'zod';
import { AppError, asAppError, platformErrors } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses, SseWriter, sendProblem } from '../../platform/http/index.ts';
import { type Gateway, gatewayErrors } from '../gateway/index.ts';
import {
  type GuardrailSession,
  type Guardrails,
  guardrailEmbeddingMiddleware,
  guardrailMiddleware,
} from '../guardrails/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import { chatCompletionEvents } from './chat-completion-stream.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from './chat-completions.schema.ts';
import { embed, embeddingListSchema, embeddingRequestSchema } from './embeddings.ts';
import { openAIErrorShape, toOpenAIErrorBody } from './openai-error.ts';
import { toCallOptions } from './to-call-options.ts';
import { toChatCompletion } from './to-chat-completion.ts';

export const OPENAI_PREFIX = '/openai/v1';
const JSON_TYPE = 'application/json; charset=utf-8';

/** API-key scopes of the surface; `openai:*` grants all three. */
export const OPENAI_SCOPES = {
  chat: 'openai:chat',
  embeddings: 'openai:embeddings',
  models: 'openai:models',
} as const;

export interface OpenAICompatRoutesOptions {
  readonly gateway: Gateway;
  /**
   * The server's shutdown deadline (`ShutdownGate.deadline`): a completion still running then stops, a
   * stream with an OpenAI-shaped `SERVICE_SHUTTING_DOWN` error event (clients retry elsewhere) rather
   * than being cut.
   */
  readonly shutdown?: AbortSignal;
  /** `: keep-alive` comments on idle streams (default 15 s), so proxies keep them open. */
  readonly keepAliveMs?: number;
  /**
   * Guardrail policies of chat completions and embeddings (keel.config.ts `guardrails.openai`, the
   * defaults, the key's); embeddings get the input-stage ones.
   */
  readonly guardrails?: Guardrails | undefined;
  /** Where a guarded completion's record goes (the request log): its body redacted, its decisions. */
  readonly record?: (record: RequestRecord) => void;
}

const modelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
  })
  .meta({ id: 'OpenAIModel' });

const modelListSchema = z
  .object({ object: z.literal('list'), data: z.array(modelSchema) })
  .meta({ id: 'OpenAIModelList' });

const errors = problemResponses({
  400: 'The body is not a valid request (OpenAI error shape, `code` REQUEST_VALIDATION_FAILED) or the model cannot take it.',
  401: 'Missing or invalid API key.',
  404: 'The `model` is not configured (`GATEWAY_MODEL_NOT_FOUND`).',
  413: 'The body is larger than the configured limit.',
  422: 'A guardrail policy blocked the call (`GUARDRAIL_BLOCKED`, naming the policy, the stage and the kinds found).',
  429: 'The provider (or a Keel limit) is rate limiting; `retry-after` says when to retry.',
  502: 'The provider failed or rejected the request, on every attempt and fallback.',
  503: "No model is configured, every deployment's circuit is open, or Keel is shutting down.",
  504: 'The provider did not answer (or send a first token) in time.',
});

/**
 * The request-log record of a guarded completion: the body as the log may keep it (every redaction of
 * the call applied), its decisions, and a stream cut by a guardrail as failed.
 */
async function guardedRecord(
  session: GuardrailSession,
  request: { id: string; tenantId: string; body: unknown },
  startedAt: Date,
  failure: AppError | undefined,
): Promise<RequestRecord> {
  const decisions = session.decisions();
  const blocked = failure === undefined && decisions.some((decision) => decision.action === 'block');
  const errorCode = failure?.code ?? (blocked ? 'GUARDRAIL_BLOCKED' : null);
  return {
    id: request.id,
    tenantId: request.tenantId,
    capability: null,
    outcome: errorCode === null ? 'succeeded' : 'failed',
    httpStatus: failure?.status ?? 200,
    errorCode,
    models: [],
    inputTokens: 0,
    outputTokens: 0,
    latencyMs: Date.now() - startedAt.getTime(),
    input: await session.forLog(request.body).catch(() => null),
    output: null,
    guardrails: decisions,
    createdAt: startedAt,
  };
}

/**
 * The OpenAI-compatible surface at `/openai/v1`: chat completions (JSON and SSE, tools and
 * `response_format` passed through), embeddings and models, served through the same gateway as
 * capabilities (routing, retries, fallbacks, circuit breakers, accounting, middlewares), so any OpenAI SDK
 * works with `baseURL = http://host:port/openai/v1`. Every error on it leaves in OpenAI's error shape.
 */
export async function registerOpenAICompatRoutes(
  app: HttpServer,
  options: OpenAICompatRoutesOptions,
): Promise<void> {
  const { gateway, shutdown, keepAliveMs, guardrails, record } = options;
  const startedAt = Math.floor(Date.now() / 1000);

  await app.register(
    (scoped, _options, done) => {
      const child = scoped as unknown as HttpServer;
      child.addHook('onSend', openAIErrorShape);
      child.setNotFoundHandler((request, reply) => {
        sendProblem(
          reply,
          new AppError(platformErrors.ROUTE_NOT_FOUND, {
            detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
          }),
          request,
        );
      });

      child.post(
        '/chat/completions',
        {
          config: { scope: OPENAI_SCOPES.chat, stream: 'when-body-asks' },
          schema: {
            operationId: 'createChatCompletion',
            summary: 'Create a chat completion (OpenAI-compatible)',
            description:
              'OpenAI\'s chat completions API. `model` is an alias or `provider:model` (see `GET /openai/v1/models`). With `stream: true` the answer is `text/event-stream` of `chat.completion.chunk` events ending in `data: [DONE]`; a failure after the first token arrives as a `data: {"error": ...}` event and the stream ends without `[DONE]`. Failures before it are HTTP errors in OpenAI\'s error shape.',
            tags: ['OpenAI-compatible'],
            body: chatCompletionRequestSchema,
            response: {
              200: {
                description: 'The completion, or (`stream: true`) its `chat.completion.chunk` events.',
                content: {
                  'application/json': { schema: chatCompletionSchema },
                  'text/event-stream': {
                    schema: z
                      .string()
                      .describe('`data: <chat.completion.chunk>` lines, then `data: [DONE]`.'),
                  },
                },
              },
              ...errors,
            },
          },
        },
        async (request, reply) => {
          const body = request.body;
          // A stream's writer aborts the call when the client leaves (or at the shutdown deadline), as
          // `abortOnClose` does for a JSON answer. Nothing is written before the stream starts, so a
          // failure before then is still an HTTP error in OpenAI's shape.
          const sse =
            body.stream === true
              ? new SseWriter(reply, { shutdown, ...(keepAliveMs === undefined ? {} : { keepAliveMs }) })
              : undefined;
          const signal = sse?.signal ?? abortOnClose(reply.raw, shutdown).signal;
          // The call's guardrails: input and retrieved (tool results) checked and redacted before the
          // provider, placeholders restored and output checked on the way back (streams on a window).
          const session = await guardrails?.session({ keyId: request.context?.keyId, signal });
          const startedAt = new Date();
          // A guarded completion's record (redacted body, decisions) goes to the log before the answer does.
          const log = async (failure?: AppError) => {
            if (session !== undefined && record !== undefined) {
              record(await guardedRecord(session, request, startedAt, failure));
            }
          };
          // Only configured names: a client must not make the gateway build models for arbitrary ids.
          const model = gateway.isConfigured(body.model)
            ? gateway.languageModel(body.model, {
                requestId: request.id,
                tenantId: request.tenantId,
                source: 'openai:chat.completions',
                ...(session ? { middleware: [guardrailMiddleware(session, { entry: 'model' })] } : {}),
              })
            : undefined;
          if (model === undefined) throw gateway.missingModel(body.model);
          const callOptions = toCallOptions(body, signal);
          try {
            const identity = {
              id: `chatcmpl-${request.id}`,
              created: Math.floor(Date.now() / 1000),
              model: body.model,
            };
            if (sse !== undefined) {
              const result = await model.doStream(callOptions);
              const events = chatCompletionEvents(result.stream, identity, {
                includeUsage: body.stream_options?.include_usage === true,
                requestId: request.id,
                ...(shutdown ? { shutdown } : {}),
              });
              // The events end themselves (`[DONE]`, or an error chunk without it); a failure outside them
              // still ends the stream with an OpenAI error chunk.
              const piped = await sse.pipe(events, {
                error: (error) =>
                  `data: ${JSON.stringify(toOpenAIErrorBody(asAppError(clientGone(error, signal)), request.id))}\n\n`,
              });
              await log();
              return piped;
            }
            const result = await model.doGenerate(callOptions);
            const served = (result.providerMetadata?.keel as { deployment?: unknown } | undefined)
              ?.deployment;
            if (typeof served === 'string') reply.header('x-keel-deployment', served);
            await log();
            // Built by this code from a typed result: skip re-validating it on the way out.
            return reply.type(JSON_TYPE).serializer(JSON.stringify).send(toChatCompletion(result, identity));
          } catch (error) {
            const failure = asAppError(clientGone(error, signal));
            await log(failure);
            throw failure;
          }
        },
      );

      child.post(
        '/embeddings',
        {
          config: { scope: OPENAI_SCOPES.embeddings },
          schema: {
            operationId: 'createEmbeddings',
            summary: 'Create embeddings (OpenAI-compatible)',
            description:
              "OpenAI's embeddings API for text inputs. `model` is `embed` (Keel's embedding alias), another alias or `provider:model`. `encoding_format: base64` returns little-endian float32 bytes, as the official SDKs request. The input-stage guardrail policies of `/openai/v1` (keel.config.ts `guardrails.openai`, the defaults, the key's) run over every input before the model: a redaction embeds the text with its placeholders, a block is a 422.",
            tags: ['OpenAI-compatible'],
            body: embeddingRequestSchema,
            response: { 200: embeddingListSchema, ...errors },
          },
        },
        async (request, reply) => {
          const body = request.body;
          const controller = abortOnClose(reply.raw, shutdown);
          // The input-stage policies over every value, before the provider (decision 0181).
          const session = await guardrails?.session({
            keyId: request.context?.keyId,
            signal: controller.signal,
          });
          const startedAt = new Date();
          const model = gateway.isConfigured(body.model)
            ? gateway.embeddingModel(body.model, {
                requestId: request.id,
                tenantId: request.tenantId,
                source: 'openai:embeddings',
                ...(session
                  ? { embeddingMiddleware: [guardrailEmbeddingMiddleware(session, { entry: 'model' })] }
                  : {}),
              })
            : undefined;
          if (model === undefined) throw gateway.missingModel(body.model);
          const log = async (failure?: AppError) => {
            if (session !== undefined && record !== undefined) {
              record(await guardedRecord(session, request, startedAt, failure));
            }
          };
          try {
            const list = await embed(model, body, controller.signal);
            await log();
            return reply.type(JSON_TYPE).serializer(JSON.stringify).send(list);
          } catch (error) {
            const failure = asAppError(clientGone(error, controller.signal));
            await log(failure);
            throw failure;
          }
        },
      );

      child.get(
        '/models',
        {
          config: { scope: OPENAI_SCOPES.models },
          schema: {
            operationId: 'listOpenAIModels',
            summary: 'List models (OpenAI-compatible)',
            description:
              'Aliases and `provider:model` deployments that can serve now (deployments with an open circuit are left out).',
            tags: ['OpenAI-compatible'],
            response: { 200: modelListSchema, ...errors },
          },
        },
        async () => ({
          object: 'list' as const,
          data: gateway.availableModels().map((model) => toModel(model.id, startedAt)),
        }),
      );

      child.get(
        '/models/:model',
        {
          config: { scope: OPENAI_SCOPES.models },
          schema: {
            operationId: 'retrieveOpenAIModel',
            summary: 'Retrieve a model (OpenAI-compatible)',
            tags: ['OpenAI-compatible'],
            params: z.object({ model: z.string().min(1).max(200) }),
            response: { 200: modelSchema, ...errors },
          },
        },
        async (request) => {
          const found = gateway.availableModels().find((model) => model.id === request.params.model);
          if (found === undefined) throw gateway.missingModel(request.params.model);
          return toModel(found.id, startedAt);
        },
      );
      done();
    },
    { prefix: OPENAI_PREFIX },
  );
}

function toModel(id: string, created: number): z.output<typeof modelSchema> {
  const separator = id.indexOf(':');
  return { id, object: 'model', created, owned_by: separator > 0 ? id.slice(0, separator) : 'keel' };
}

/**
 * A failure caused by an abort says why: the shutdown deadline (503 SERVICE_SHUTTING_DOWN, the signal's
 * reason) or the client leaving (logged as 499), not an internal error.
 */
function clientGone(error: unknown, signal: AbortSignal): unknown {
  if (error instanceof AppError || !signal.aborted) return error;
  if (signal.reason instanceof AppError) return signal.reason;
  return new AppError(gatewayErrors.GATEWAY_CALL_ABORTED, { cause: error });
}

/**
 * Aborted when the response closes before it finished (the client went away: stop paying for the model)
 * or when the server reaches its shutdown deadline (with the deadline's SERVICE_SHUTTING_DOWN reason).
 */
function abortOnClose(
  response: NodeJS.WritableStream & { writableFinished: boolean },
  shutdown: AbortSignal | undefined,
): AbortController {
  const controller = new AbortController();
  const onShutdown = () => controller.abort(shutdown?.reason);
  if (shutdown?.aborted) onShutdown();
  else shutdown?.addEventListener('abort', onShutdown, { once: true });
  response.once('close', () => {
    shutdown?.removeEventListener('abort', onShutdown);
    if (!response.writableFinished) controller.abort();
  });
  return controller;
}
