import type { PriceSettings } from '../gateway-settings.ts';

export interface BilledTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens the provider served from its prompt cache (a subset of inputTokens). */
  readonly cachedInputTokens: number;
}

/** USD for one call from a per-million-token price; null when the deployment has no price. */
export function costUsd(price: PriceSettings | undefined, tokens: BilledTokens): number | null {
  if (price === undefined) return null;
  const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
  const micro =
    (tokens.inputTokens - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    tokens.outputTokens * price.output;
  // Round to a billionth of a dollar so sums stay readable.
  return Math.round(micro * 1_000) / 1_000_000_000;
}
