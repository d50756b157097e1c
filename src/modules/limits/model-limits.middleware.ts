import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Middleware,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { AppError } from '../../platform/errors/index.ts';
import { currentRequestContext } from '../../platform/http/index.ts';
import { pullThrough } from '../../platform/streams/index.ts';
import { type ModelCostFunction, readCallMetadata } from '../../platform/telemetry/index.ts';
import { periodOf, toMicroUsd } from './budget-period.ts';
import { guarded } from './guarded.ts';
import type { KeyLimits } from './key-limits.ts';
import type { LimitStore } from './limit-store.port.ts';
import { limitErrors } from './limits.errors.ts';
import type { LimitsObserver } from './limits-observer.ts';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import { estimateInputTokens } from './token-estimate.ts';

const MINUTE_MS = 60_000;

export interface ModelLimitsOptions {
  readonly store: LimitStore;
  readonly observer: LimitsObserver;
  /** The limits of a subject (an API key id, `admin` or `local`). */
  readonly limitsFor: (subject: string) => Promise<KeyLimits> | KeyLimits;
  /** Cost in USD of a call's usage; undefined when the model has no price (its spend then counts as 0). */
  readonly costOf: ModelCostFunction;
  /**
   * What a subject already spent since a time (the model calls' sum: a record the request log's fate
   * cannot erase, decision 0127). With a store that is not shared (one process, counters in memory), a
   * budget period starts from it, so a restart does not reset spend.
   */
  readonly seedSpend?: (subject: string, since: Date) => Promise<number>;
  /** Output tokens assumed when a call sets no `maxOutputTokens`. */
  readonly defaultOutputTokens?: number;
  readonly now?: () => Date;
}

interface Ticket {
  readonly subject: string;
  readonly model: LanguageModelV4;
  readonly estimatedInput: number;
  readonly estimatedOutput: number;
  readonly tokens: { readonly window: number; readonly estimate: number } | undefined;
  readonly budget: { readonly key: string; readonly estimate: number; readonly ttlMs: number } | undefined;
}

/**
 * Tokens per minute and spend budgets, enforced on every model call whatever route or job made it: the
 * call's tokens and cost are estimated and reserved before it runs (refused with a 429 when they do not
 * fit), then settled to the provider's reported usage (or the gateway's count when the provider reports
 * none). A failed call gives its reservation back; a stream cut before its usage arrives, or a call whose
 * usage nobody reported, keeps the estimate. Calls outside any request context (no key) are
 * not limited.
 */
export function createModelLimitsMiddleware(options: ModelLimitsOptions): LanguageModelV4Middleware {
  const now = options.now ?? (() => new Date());
  const defaultOutput = options.defaultOutputTokens ?? 1_024;
  const seeded = new Map<string, Promise<void>>();

  /** Once per budget counter and process: start it from the spend already on record. */
  function seed(key: string, subject: string, since: Date, ttlMs: number): Promise<void> {
    const seedSpend = options.seedSpend;
    if (options.store.shared || !seedSpend) return Promise.resolve();
    let pending = seeded.get(key);
    if (!pending) {
      pending = seedSpend(subject, since).then(async (spent) => {
        if (spent > 0) await options.store.add(key, toMicroUsd(spent), ttlMs);
      });
      pending.catch(() => seeded.delete(key));
      seeded.set(key, pending);
    }
    return pending;
  }

  async function reserve(
    model: LanguageModelV4,
    params: LanguageModelV4CallOptions,
  ): Promise<Ticket | undefined> {
    const context = currentRequestContext();
    if (!context) return undefined;
    const limits = await options.limitsFor(context.subject);
    if (limits.tokensPerMinute === undefined && limits.budget === undefined) return undefined;
    const estimatedInput = estimateInputTokens(params);
    const estimatedOutput = params.maxOutputTokens ?? defaultOutput;
    let tokens: Ticket['tokens'];
    if (limits.tokensPerMinute !== undefined) {
      const estimate = estimatedInput + estimatedOutput;
      const decision = await guarded(
        options.store.consume(`tpm:${context.subject}`, estimate, limits.tokensPerMinute, MINUTE_MS),
      );
      if (!decision.allowed) {
        options.observer.rejected('tokens');
        const details = { limit: limits.tokensPerMinute, estimated_tokens: estimate };
        if (!Number.isFinite(decision.retryAfterSeconds)) {
          throw new AppError(limitErrors.LIMIT_TOKENS_TOO_LARGE, {
            detail: `This call needs about ${estimate} tokens; the key may use ${limits.tokensPerMinute} per minute.`,
            details,
          });
        }
        throw new AppError(limitErrors.LIMIT_TOKENS_EXCEEDED, {
          detail: `This key may use ${limits.tokensPerMinute} model tokens per minute; this call needs about ${estimate}.`,
          details: { ...details, retry_after_seconds: decision.resetSeconds },
          headers: rateLimitHeaders(decision, 60),
        });
      }
      tokens = { window: decision.window, estimate };
    }
    let budget: Ticket['budget'];
    if (limits.budget !== undefined) {
      const at = now();
      const period = periodOf(at, limits.budget.period);
      const key = `budget:${context.subject}:${period.id}`;
      // Keep the counter a day past the period, so late settlements still land in it.
      const ttlMs = period.endsAt.getTime() - at.getTime() + 86_400_000;
      const estimate = toMicroUsd(
        options.costOf(model, { inputTokens: estimatedInput, outputTokens: estimatedOutput }) ?? 0,
      );
      const limit = toMicroUsd(limits.budget.usd);
      const reservation = await guarded(
        seed(key, context.subject, period.startsAt, ttlMs).then(() =>
          options.store.reserve(key, estimate, limit, ttlMs),
        ),
      ).catch(async (error: unknown) => {
        if (tokens) await refundTokens(context.subject, tokens);
        throw error;
      });
      if (!reservation.allowed) {
        if (tokens) await refundTokens(context.subject, tokens);
        options.observer.rejected('budget');
        const retryAfter = Math.max(1, Math.ceil((period.endsAt.getTime() - at.getTime()) / 1000));
        throw new AppError(limitErrors.LIMIT_BUDGET_EXHAUSTED, {
          detail: `This key's budget of $${limits.budget.usd} per ${limits.budget.period} is spent (or this call could exceed it); it resets at ${period.endsAt.toISOString()}.`,
          details: {
            budget_usd: limits.budget.usd,
            spent_usd: reservation.total / 1_000_000,
            period: limits.budget.period,
            resets_at: period.endsAt.toISOString(),
          },
          headers: { 'retry-after': String(retryAfter) },
        });
      }
      budget = { key, estimate, ttlMs };
    }
    return { subject: context.subject, model, estimatedInput, estimatedOutput, tokens, budget };
  }

  async function refundTokens(subject: string, tokens: NonNullable<Ticket['tokens']>): Promise<void> {
    await options.store.adjust(`tpm:${subject}`, tokens.window, MINUTE_MS, -tokens.estimate).catch(() => {});
  }

  /** Settles a reservation to the reported usage; with no usage (a failed call), gives it back. */
  async function settle(
    ticket: Ticket,
    usage: LanguageModelV4Usage | undefined,
    providerMetadata?: unknown,
  ): Promise<void> {
    const inputTokens = usage?.inputTokens.total ?? 0;
    const outputTokens = usage?.outputTokens.total ?? 0;
    // A call that ran but whose usage nobody could tell (no totals) keeps its estimate: unknown is not free.
    const unknown =
      usage !== undefined && usage.inputTokens.total === undefined && usage.outputTokens.total === undefined;
    const work: Promise<unknown>[] = [];
    if (ticket.tokens && !unknown) {
      work.push(
        options.store.adjust(
          `tpm:${ticket.subject}`,
          ticket.tokens.window,
          MINUTE_MS,
          inputTokens + outputTokens - ticket.tokens.estimate,
        ),
      );
    }
    if (ticket.budget) {
      // The gateway reports the cost of the deployment that actually served; the price table is the fallback.
      const reported = readCallMetadata(providerMetadata).costUsd;
      const actual =
        usage === undefined && reported === undefined
          ? 0
          : toMicroUsd(reported ?? options.costOf(ticket.model, { inputTokens, outputTokens }) ?? 0);
      if (!unknown || reported !== undefined) {
        work.push(options.store.add(ticket.budget.key, actual - ticket.budget.estimate, ticket.budget.ttlMs));
      }
    }
    // Settling is bookkeeping: a store hiccup here must not fail a call that already succeeded.
    await Promise.allSettled(work);
  }

  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const ticket = await reserve(model, params);
      if (!ticket) return doGenerate();
      let result: Awaited<ReturnType<typeof doGenerate>>;
      try {
        result = await doGenerate();
      } catch (error) {
        await settle(ticket, undefined);
        throw error;
      }
      await settle(ticket, result.usage, result.providerMetadata);
      return result;
    },
    wrapStream: async ({ doStream, params, model }) => {
      const ticket = await reserve(model, params);
      if (!ticket) return doStream();
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        await settle(ticket, undefined);
        throw error;
      }
      let settled = false;
      // One pull-based stage, not a transform stream: a third of the memory per open stream (issue 16).
      const stream = pullThrough<LanguageModelV4StreamPart>(result.stream, {
        async transform(part, controller) {
          if (part.type === 'finish' && !settled) {
            settled = true;
            await settle(ticket, part.usage, part.providerMetadata);
          }
          controller.enqueue(part);
        },
      });
      return { ...result, stream };
    },
  };
}
