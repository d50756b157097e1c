import type { ModelCallRecord } from './model-call.ts';

/** Model usage of one invocation, summed over every model call it made (read into the request log). */
export interface ModelUsage {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** `provider:model` of every deployment that served, in first-use order. */
  readonly models: readonly string[];
  /** Sum of the calls' costs; null when none of them had a price. */
  readonly costUsd: number | null;
  readonly retries: number;
  readonly fallbacks: number;
  readonly cacheHits: number;
  /** Structured-output repair re-asks. */
  readonly repairs: number;
}

/** Collects the model calls of one invocation; the invoker reads the sum when the invocation ends. */
export class UsageRecorder {
  #calls = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #cost: number | null = null;
  #retries = 0;
  #fallbacks = 0;
  #cacheHits = 0;
  #repairs = 0;
  readonly #models = new Set<string>();

  add(call: ModelCallRecord): void {
    this.#calls += 1;
    if (call.deployment !== null) this.#models.add(call.deployment);
    this.#inputTokens += call.inputTokens;
    this.#outputTokens += call.outputTokens;
    if (call.costUsd !== null) this.#cost = (this.#cost ?? 0) + call.costUsd;
    this.#retries += call.retries;
    this.#fallbacks += call.fallbacks;
    if (call.cacheHit) this.#cacheHits += 1;
    if (call.repair > 0) this.#repairs += 1;
  }

  snapshot(): ModelUsage {
    return {
      calls: this.#calls,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      models: [...this.#models],
      costUsd: this.#cost === null ? null : Math.round(this.#cost * 1e9) / 1e9,
      retries: this.#retries,
      fallbacks: this.#fallbacks,
      cacheHits: this.#cacheHits,
      repairs: this.#repairs,
    };
  }
}
