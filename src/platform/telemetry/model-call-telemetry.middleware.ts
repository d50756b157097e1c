import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { AppError } from '../errors/index.ts';
import { currentRequestContext } from '../http/request-context.ts';
import { pullThrough } from '../streams/index.ts';
import { readCallMetadata } from './call-metadata.ts';
import type { KeelMetrics } from './metrics.ts';
import { type ModelCostFunction, providerName } from './model-cost.ts';

export interface ModelTelemetryOptions {
  readonly tracer: Tracer;
  readonly metrics: KeelMetrics;
  readonly costOf: ModelCostFunction;
}

type Outcome = 'ok' | 'error' | 'aborted';

/** Content parts that mean the model has started answering. */
const FIRST_TOKEN_PARTS = new Set(['text-delta', 'reasoning-delta', 'tool-input-start', 'tool-call', 'file']);

/**
 * One CLIENT span per model call with OpenTelemetry GenAI attributes (system, model, tokens, time to
 * first token, finish reasons), latency/TTFT/token/cost metrics by provider and model, and the usage
 * added to the request context for the request log. Error messages never go on spans: provider errors
 * can echo prompts and keys, so only the error's type is recorded.
 */
export function createModelTelemetryMiddleware(options: ModelTelemetryOptions): LanguageModelV4Middleware {
  const { tracer, metrics, costOf } = options;

  function start(model: LanguageModelV4, params: LanguageModelV4CallOptions, stream: boolean): Span {
    const provider = providerName(model);
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': provider,
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': model.modelId,
      'gen_ai.request.stream': stream,
    };
    if (params.maxOutputTokens !== undefined)
      attributes['gen_ai.request.max_tokens'] = params.maxOutputTokens;
    if (params.temperature !== undefined) attributes['gen_ai.request.temperature'] = params.temperature;
    if (params.topP !== undefined) attributes['gen_ai.request.top_p'] = params.topP;
    const requestId = currentRequestContext()?.requestId;
    if (requestId !== undefined) attributes['keel.request_id'] = requestId;
    return tracer.startSpan(`chat ${model.modelId}`, { kind: SpanKind.CLIENT, attributes });
  }

  function succeed(
    span: Span,
    model: LanguageModelV4,
    usage: LanguageModelV4Usage | undefined,
    details: {
      responseModel?: string | undefined;
      responseId?: string | undefined;
      finishReason?: string | undefined;
      providerMetadata?: unknown;
    },
  ): void {
    // Behind an alias or a fallback, the gateway says which deployment served and what it cost.
    const facts = readCallMetadata(details.providerMetadata);
    const provider = facts.provider ?? providerName(model);
    const modelId = facts.model ?? model.modelId;
    const inputTokens = usage?.inputTokens.total ?? 0;
    const outputTokens = usage?.outputTokens.total ?? 0;
    const cost = facts.costUsd ?? costOf({ provider, modelId }, { inputTokens, outputTokens });
    span.setAttributes({
      'gen_ai.system': provider,
      'gen_ai.provider.name': provider,
      'gen_ai.usage.input_tokens': inputTokens,
      'gen_ai.usage.output_tokens': outputTokens,
      'gen_ai.response.model': details.responseModel ?? modelId,
      ...(details.responseId ? { 'gen_ai.response.id': details.responseId } : {}),
      ...(details.finishReason ? { 'gen_ai.response.finish_reasons': [details.finishReason] } : {}),
      ...(cost === undefined ? {} : { 'keel.cost_usd': cost }),
      ...(facts.deployment ? { 'keel.deployment': facts.deployment } : {}),
      'keel.retries': facts.retries,
      'keel.fallbacks': facts.fallbacks,
      'keel.cache_hit': facts.cacheHit,
    });
    const labels = { provider, model: modelId };
    metrics.modelTokens.inc({ ...labels, direction: 'input' }, inputTokens);
    metrics.modelTokens.inc({ ...labels, direction: 'output' }, outputTokens);
    if (cost !== undefined && cost > 0) metrics.modelCost.inc(labels, cost);
    if (facts.retries > 0) metrics.modelRetries.inc(labels, facts.retries);
    if (facts.fallbacks > 0) {
      metrics.modelFallbacks.inc(
        { from: facts.route ?? model.modelId, to: facts.deployment ?? modelId },
        facts.fallbacks,
      );
    }
    const context = currentRequestContext();
    if (context) {
      context.usage.calls += 1;
      context.usage.inputTokens += inputTokens;
      context.usage.outputTokens += outputTokens;
      context.usage.costUsd += cost ?? 0;
      context.usage.models.add(`${provider}:${modelId}`);
    }
  }

  function fail(span: Span, error: unknown, aborted: boolean): Outcome {
    span.setAttribute('error.type', errorType(error));
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
    span.setStatus({ code: SpanStatusCode.ERROR, ...(aborted ? { message: 'aborted' } : {}) });
    return aborted ? 'aborted' : 'error';
  }

  function finish(span: Span, model: LanguageModelV4, startedAt: number, outcome: Outcome): void {
    metrics.modelDuration.observe(
      { provider: providerName(model), model: model.modelId, operation: 'chat', outcome },
      (performance.now() - startedAt) / 1000,
    );
    span.end();
  }

  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const startedAt = performance.now();
      const span = start(model, params, false);
      let outcome: Outcome = 'ok';
      try {
        const result = await doGenerate();
        succeed(span, model, result.usage, {
          responseModel: result.response?.modelId,
          responseId: result.response?.id,
          finishReason: result.finishReason.unified,
          providerMetadata: result.providerMetadata,
        });
        return result;
      } catch (error) {
        outcome = fail(span, error, params.abortSignal?.aborted === true);
        throw error;
      } finally {
        finish(span, model, startedAt, outcome);
      }
    },
    wrapStream: async ({ doStream, params, model }) => {
      const startedAt = performance.now();
      const span = start(model, params, true);
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        finish(span, model, startedAt, fail(span, error, params.abortSignal?.aborted === true));
        throw error;
      }
      let firstTokenSeen = false;
      let ended = false;
      let outcome: Outcome = 'ok';
      const response: { model?: string; id?: string } = {};
      const end = (final: Outcome) => {
        if (ended) return;
        ended = true;
        finish(span, model, startedAt, final);
      };
      // One pull-based stage, not a transform stream: a third of the memory per open stream (issue 16).
      const stream = pullThrough<LanguageModelV4StreamPart>(result.stream, {
        transform(part, controller) {
          if (!firstTokenSeen && FIRST_TOKEN_PARTS.has(part.type)) {
            firstTokenSeen = true;
            const seconds = (performance.now() - startedAt) / 1000;
            span.setAttribute('gen_ai.response.time_to_first_chunk', seconds);
            metrics.modelFirstToken.observe({ provider: providerName(model), model: model.modelId }, seconds);
          } else if (part.type === 'response-metadata') {
            if (part.modelId) response.model = part.modelId;
            if (part.id) response.id = part.id;
          } else if (part.type === 'finish') {
            succeed(span, model, part.usage, {
              responseModel: response.model,
              responseId: response.id,
              finishReason: part.finishReason.unified,
              providerMetadata: part.providerMetadata,
            });
          } else if (part.type === 'error') {
            outcome = fail(span, part.error, false);
          }
          controller.enqueue(part);
        },
        flush() {
          end(outcome);
        },
        cancel(reason) {
          end(fail(span, reason, true));
        },
      });
      return { ...result, stream };
    },
  };
}

function errorType(error: unknown): string {
  if (error instanceof AppError) return error.code;
  if (error instanceof Error) return error.name;
  return 'unknown';
}
