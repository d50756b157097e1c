import type { EmbeddingModelV4, EmbeddingModelV4CallOptions, EmbeddingModelV4Result } from '@ai-sdk/provider';
import type { ResilienceSettings } from './gateway-settings.ts';
import type { EmbeddingDeployment, Route } from './registry/model-registry.ts';
import { runCallLoop } from './resilience/call-loop.ts';
import { currentCallFacts, newCallFacts } from './usage/call-facts.ts';

/** A route of embedding deployments as one AI SDK embedding model, through the same retry loop. */
export class RoutedEmbeddingModel implements EmbeddingModelV4 {
  readonly specificationVersion = 'v4';
  readonly provider: string;
  readonly modelId: string;
  readonly #route: Route<EmbeddingDeployment>;
  readonly #settings: ResilienceSettings;

  constructor(route: Route<EmbeddingDeployment>, settings: ResilienceSettings) {
    this.#route = route;
    this.#settings = settings;
    this.provider = route.primary.provider;
    this.modelId = route.primary.modelId;
  }

  get route(): string {
    return this.#route.name;
  }

  get maxEmbeddingsPerCall(): EmbeddingModelV4['maxEmbeddingsPerCall'] {
    return this.#route.primary.model.maxEmbeddingsPerCall;
  }

  get supportsParallelCalls(): EmbeddingModelV4['supportsParallelCalls'] {
    return this.#route.primary.model.supportsParallelCalls;
  }

  async doEmbed(options: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
    const facts = currentCallFacts() ?? newCallFacts(this.#route.name);
    const { value, admission, signal } = await runCallLoop({
      groups: this.#route.groups,
      settings: this.#settings,
      callerSignal: options.abortSignal,
      facts,
      attemptTimeoutMs: this.#settings.requestTimeoutMs,
      awaiting: 'embeddings',
      attempt: (deployment, attemptSignal) =>
        Promise.resolve(deployment.model.doEmbed({ ...options, abortSignal: attemptSignal.signal })),
    });
    admission.succeed();
    signal.dispose();
    return value;
  }
}
