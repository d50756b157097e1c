import { randomUUID } from 'node:crypto';
import type {
  EmbeddingModelV4Middleware,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { AppError } from '../../../platform/errors/index.ts';
import { pullThrough } from '../../../platform/streams/index.ts';
import type { PriceSettings } from '../gateway-settings.ts';
import { type CallFacts, factsMetadata, newCallFacts, runWithCallFacts } from './call-facts.ts';
import type { ModelCallRecord } from './model-call.ts';
import { costUsd } from './prices.ts';
import { countPromptTokensNow, countTokensNow, loadTokenizer } from './token-count.ts';

/** Who a model is handed out to, and where its calls are reported. */
export interface AccountingContext {
  readonly requestId: string;
  readonly tenantId: string;
  readonly source: string;
  readonly route: string;
  readonly prices: Readonly<Record<string, PriceSettings>>;
  readonly record: (call: ModelCallRecord) => void;
  /** Who the call counts against (read when it starts): the request context's subject. */
  readonly subject?: (() => string | null) | undefined;
  /** The variant whose invocation makes the call, if any. */
  readonly variant?: string | null;
}

/** The context of one call: the subject is read once, when the call starts (in the caller's context). */
interface CallContext extends AccountingContext {
  readonly subjectAtCall: string | null;
}

function atCall(context: AccountingContext): CallContext {
  return { ...context, subjectAtCall: context.subject?.() ?? null };
}

interface Ending {
  readonly operation: ModelCallRecord['operation'];
  readonly outcome: ModelCallRecord['outcome'];
  readonly errorCode: string | null;
  readonly usage: LanguageModelV4Usage | undefined;
  /** Counts the tokens when the provider reported none. */
  readonly estimate: () => { input: number; output: number };
  readonly repair: number;
}

/**
 * AI SDK middleware that records every call of a model it wraps (success, failure or client abort) with
 * the facts the router and the cache gathered, its tokens (counted by Keel when the provider reports none,
 * or when a stream is cut short) and its cost, and adds those facts to the result as
 * `providerMetadata.keel` for middlewares outside it (telemetry, limits). When the provider reported no
 * usage (an OpenAI-compatible server that ignores `include_usage`, say), the result carries Keel's count
 * instead, so limits, the request log and the caller never see a call as free.
 */
export function accountingMiddleware(context: AccountingContext): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, params }) => {
      await tokenizerReady();
      const scoped = atCall(context);
      const facts = newCallFacts(context.route);
      const started = performance.now();
      const repair = repairOf(params);
      try {
        const result = await runWithCallFacts(facts, doGenerate);
        const call = finish(scoped, facts, started, {
          operation: 'generate',
          outcome: 'succeeded',
          errorCode: null,
          usage: result.usage,
          estimate: () => ({
            input: countPromptTokensNow(params.prompt),
            output: countTokensNow(contentText(result.content)),
          }),
          repair,
        });
        return {
          ...result,
          usage: usageOf(result.usage, call),
          providerMetadata: { ...result.providerMetadata, keel: factsMetadata(facts, call.costUsd) },
        };
      } catch (error) {
        finish(scoped, facts, started, failed('generate', error, params, repair));
        throw error;
      }
    },
    wrapStream: async ({ doStream, params }) => {
      await tokenizerReady();
      const scoped = atCall(context);
      const facts = newCallFacts(context.route);
      const started = performance.now();
      const repair = repairOf(params);
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await runWithCallFacts(facts, doStream);
      } catch (error) {
        finish(scoped, facts, started, failed('stream', error, params, repair));
        throw error;
      }
      let output = '';
      let errorCode: string | null = null;
      let ended = false;
      const end = (ending: Omit<Ending, 'operation' | 'estimate' | 'repair'>) => {
        if (ended) return undefined;
        ended = true;
        return finish(scoped, facts, started, {
          ...ending,
          operation: 'stream',
          estimate: () => ({ input: countPromptTokensNow(params.prompt), output: countTokensNow(output) }),
          repair,
        });
      };
      // A pull-based stage, joined with the telemetry and limits stages into one stream (issue 16).
      const stream = pullThrough<LanguageModelV4StreamPart>(result.stream, {
        transform(part, controller) {
          if (
            part.type === 'text-delta' ||
            part.type === 'reasoning-delta' ||
            part.type === 'tool-input-delta'
          ) {
            output += part.delta;
          } else if (part.type === 'error') {
            errorCode = part.error instanceof AppError ? part.error.code : 'GATEWAY_UPSTREAM_ERROR';
          } else if (part.type === 'finish') {
            const call = end({
              outcome: errorCode === null ? 'succeeded' : 'failed',
              errorCode,
              usage: part.usage,
            });
            controller.enqueue({
              ...part,
              usage: call === undefined ? part.usage : usageOf(part.usage, call),
              providerMetadata: {
                ...part.providerMetadata,
                keel: factsMetadata(facts, call?.costUsd ?? null),
              },
            });
            return;
          }
          controller.enqueue(part);
        },
        flush() {
          // A stream that ends without a finish part was cut short; the router already said so upstream.
          end({ outcome: 'failed', errorCode: errorCode ?? 'GATEWAY_UPSTREAM_ERROR', usage: undefined });
        },
        error(error) {
          end({ ...outcomeOf(error, params), usage: undefined });
        },
        cancel() {
          end({ outcome: 'aborted', errorCode: null, usage: undefined });
        },
      });
      return { ...result, stream };
    },
  };
}

/**
 * Unreported usage is counted with the tokenizer (decision 0133), so it must be loaded before a call ends.
 * It is loaded by the first model call rather than at start-up (a start that never calls a model never
 * pays for it); later calls find it loaded. If it cannot load, counts fall back to the estimate.
 */
async function tokenizerReady(): Promise<void> {
  await loadTokenizer().catch(() => undefined);
}

/** The same accounting for embedding models (no streams, input tokens only). */
export function embeddingAccountingMiddleware(context: AccountingContext): EmbeddingModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapEmbed: async ({ doEmbed, params }) => {
      await tokenizerReady();
      const scoped = atCall(context);
      const facts = newCallFacts(context.route);
      const started = performance.now();
      const estimate = () => ({
        input: params.values.reduce((sum, value) => sum + countTokensNow(value), 0),
        output: 0,
      });
      try {
        const result = await runWithCallFacts(facts, doEmbed);
        const tokens = result.usage?.tokens;
        finish(scoped, facts, started, {
          operation: 'embed',
          outcome: 'succeeded',
          errorCode: null,
          usage:
            tokens === undefined
              ? undefined
              : {
                  inputTokens: {
                    total: tokens,
                    noCache: tokens,
                    cacheRead: undefined,
                    cacheWrite: undefined,
                  },
                  outputTokens: { total: 0, text: 0, reasoning: undefined },
                },
          estimate,
          repair: 0,
        });
        return result;
      } catch (error) {
        const { outcome, errorCode } = outcomeOf(error, params);
        finish(scoped, facts, started, {
          operation: 'embed',
          outcome,
          errorCode,
          usage: undefined,
          estimate,
          repair: 0,
        });
        throw error;
      }
    },
  };
}

function finish(context: CallContext, facts: CallFacts, started: number, ending: Ending): ModelCallRecord {
  const reported =
    ending.usage?.inputTokens.total !== undefined && ending.usage.outputTokens.total !== undefined;
  // A call that never reached a deployment (circuit open, not configured) spent nothing.
  const counted = reported || facts.attempts === 0 || facts.cacheHit ? undefined : ending.estimate();
  const inputTokens = ending.usage?.inputTokens.total ?? counted?.input ?? 0;
  const outputTokens = ending.usage?.outputTokens.total ?? counted?.output ?? 0;
  const cost = facts.cacheHit
    ? 0
    : facts.deployment === undefined
      ? null
      : costUsd(context.prices[facts.deployment], {
          inputTokens,
          outputTokens,
          cachedInputTokens: ending.usage?.inputTokens.cacheRead ?? 0,
        });
  const call: ModelCallRecord = {
    id: randomUUID(),
    requestId: context.requestId,
    tenantId: context.tenantId,
    subject: context.subjectAtCall,
    variant: context.variant ?? null,
    source: context.source,
    operation: ending.operation,
    route: facts.route,
    deployment: facts.deployment ?? null,
    provider: facts.provider ?? null,
    model: facts.model ?? null,
    outcome: ending.outcome,
    errorCode: ending.errorCode,
    inputTokens,
    outputTokens,
    tokensEstimated: counted !== undefined,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    timeToFirstTokenMs: facts.timeToFirstTokenMs ?? null,
    attempts: facts.attempts,
    retries: facts.retries,
    fallbacks: facts.fallbacks,
    cacheHit: facts.cacheHit,
    costUsd: cost,
    repair: ending.repair,
    createdAt: new Date(),
  };
  context.record(call);
  return call;
}

/** The provider's usage, or (when it reported none) the tokens accounting counted for the call. */
function usageOf(usage: LanguageModelV4Usage, call: ModelCallRecord): LanguageModelV4Usage {
  if (!call.tokensEstimated) return usage;
  return {
    ...usage,
    inputTokens: { ...usage.inputTokens, total: call.inputTokens, noCache: call.inputTokens },
    outputTokens: { ...usage.outputTokens, total: call.outputTokens },
  };
}

function failed(
  operation: ModelCallRecord['operation'],
  error: unknown,
  params: LanguageModelV4CallOptions,
  repair: number,
): Ending {
  return {
    ...outcomeOf(error, params),
    operation,
    usage: undefined,
    estimate: () => ({ input: countPromptTokensNow(params.prompt), output: 0 }),
    repair,
  };
}

function outcomeOf(
  error: unknown,
  params: { abortSignal?: AbortSignal | undefined },
): { outcome: ModelCallRecord['outcome']; errorCode: string | null } {
  if (error instanceof AppError) return { outcome: 'failed', errorCode: error.code };
  if (params.abortSignal?.aborted) return { outcome: 'aborted', errorCode: null };
  return { outcome: 'failed', errorCode: 'GATEWAY_UPSTREAM_ERROR' };
}

/** Structured-output re-asks mark themselves in `providerOptions.keel.repair` (providers ignore the key). */
function repairOf(params: LanguageModelV4CallOptions): number {
  const repair = (params.providerOptions?.keel as { repair?: unknown } | undefined)?.repair;
  return typeof repair === 'number' ? repair : 0;
}

function contentText(content: readonly LanguageModelV4Content[]): string {
  let text = '';
  for (const part of content) {
    if (part.type === 'text' || part.type === 'reasoning') text += part.text;
    else if (part.type === 'tool-call') text += part.input;
  }
  return text;
}
