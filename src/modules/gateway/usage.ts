import type { LanguageModelV4Middleware, LanguageModelV4Usage } from '@ai-sdk/provider';

/** Tokens one invocation spent on models, summed over every model call it made. */
export interface ModelUsage {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly models: readonly string[];
}

/** Collects usage for one invocation; the capability service reads it when the invocation ends. */
export class UsageRecorder {
  #calls = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  readonly #models = new Set<string>();

  add(model: string, usage: LanguageModelV4Usage | undefined): void {
    this.#calls += 1;
    this.#models.add(model);
    this.#inputTokens += usage?.inputTokens.total ?? 0;
    this.#outputTokens += usage?.outputTokens.total ?? 0;
  }

  snapshot(): ModelUsage {
    return {
      calls: this.#calls,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      models: [...this.#models],
    };
  }
}

/** `provider:model`, with the SDK's API suffix dropped (`openai-compatible.chat` -> `openai-compatible`). */
export function modelKey(model: { readonly provider: string; readonly modelId: string }): string {
  return `${model.provider.split('.')[0]}:${model.modelId}`;
}

/** AI SDK middleware that reports each call's usage, streamed or not, to a recorder. */
export function usageMiddleware(recorder: UsageRecorder): LanguageModelV4Middleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate: async ({ doGenerate, model }) => {
      const result = await doGenerate();
      recorder.add(modelKey(model), result.usage);
      return result;
    },
    wrapStream: async ({ doStream, model }) => {
      const result = await doStream();
      const stream = result.stream.pipeThrough(
        new TransformStream({
          transform(part, controller) {
            if (part.type === 'finish') recorder.add(modelKey(model), part.usage);
            controller.enqueue(part);
          },
        }),
      );
      return { ...result, stream };
    },
  };
}
