/** The model a call went to, as the AI SDK names it (`openai.chat`, `gpt-4o-mini`). */
export interface ModelIdentity {
  readonly provider: string;
  readonly modelId: string;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Cost in USD of a call's usage; undefined when the model has no known price. */
export type ModelCostFunction = (model: ModelIdentity, usage: TokenUsage) => number | undefined;

/** USD per million tokens (the gateway's price table has the same shape). */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
}

/** `openai.chat` -> `openai`: the provider as operators name it in price tables and metric labels. */
export function providerName(model: ModelIdentity): string {
  return model.provider.split('.')[0] ?? model.provider;
}

/**
 * Costs from a price table keyed `provider:model` (`openai:gpt-4o-mini`) or by model id alone, in USD per
 * million tokens.
 */
export function costFromPriceTable(prices: Readonly<Record<string, ModelPrice>>): ModelCostFunction {
  return (model, usage) => {
    const price = prices[`${providerName(model)}:${model.modelId}`] ?? prices[model.modelId];
    if (!price) return undefined;
    return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  };
}

export const noCost: ModelCostFunction = () => undefined;
