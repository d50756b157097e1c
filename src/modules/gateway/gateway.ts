import type {
  EmbeddingModelV4,
  EmbeddingModelV4Middleware,
  LanguageModelV4,
  LanguageModelV4Middleware,
} from '@ai-sdk/provider';
import { wrapEmbeddingModel, wrapLanguageModel } from 'ai';
import { AppError } from '../../platform/errors/index.ts';
import { currentRequestContext } from '../../platform/http/index.ts';
import { MemoryResponseCache } from './cache/memory-response-cache.ts';
import { cacheMiddleware } from './cache/response-cache.middleware.ts';
import type { ResponseCacheStore } from './cache/response-cache.port.ts';
import { gatewayErrors } from './gateway.errors.ts';
import type { GatewaySettings } from './gateway-settings.ts';
import {
  type AliasStatus,
  type DeploymentStatus,
  ModelRegistry,
  type RegistryOptions,
} from './registry/model-registry.ts';
import type { ModelProvider } from './registry/provider-factory.ts';
import type { CircuitStateName } from './resilience/deployment-health.ts';
import { RoutedEmbeddingModel } from './routed-embedding-model.ts';
import { notConfigured, RoutedLanguageModel } from './routed-language-model.ts';
import { generateObject, type ObjectRequest, type ObjectResult } from './structured/generate-object.ts';
import { accountingMiddleware, embeddingAccountingMiddleware } from './usage/accounting.middleware.ts';
import type { ModelCallObserver, ModelCallRecord } from './usage/model-call.ts';
import type { UsageRecorder } from './usage/usage-recorder.ts';

/** What `/readyz` and the start log say about the model a call gets by default. */
export interface ModelDescription {
  readonly configured: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly baseUrl: string | undefined;
}

/** Who a model is handed out to: its calls are recorded under this request and tenant. */
export interface CallScope {
  readonly requestId: string;
  readonly tenantId: string;
  /** Where the calls come from: `capability:<name>`, `openai:chat.completions`, ... */
  readonly source: string;
  /** Also receives this scope's calls (the invoker's per-invocation sum for the request log). */
  readonly recorder?: UsageRecorder | undefined;
  /** The variant whose invocation makes the calls (`summarize@3`), recorded on each model-call row. */
  readonly variant?: string | undefined;
  /** Applied outermost to this scope's language models, before every other middleware (the call's guardrails). */
  readonly middleware?: readonly LanguageModelV4Middleware[] | undefined;
  /** Applied outermost to this scope's embedding models (the call's input guardrails). */
  readonly embeddingMiddleware?: readonly EmbeddingModelV4Middleware[] | undefined;
}

/** A capability invocation: its calls are routed by capability name and aborted with its signal. */
export interface CapabilityCallScope extends CallScope {
  readonly capability: string;
  readonly signal: AbortSignal;
  /**
   * The caller's choice of model for this invocation (an eval variant, a request's `model`): replaces the
   * capability's route as what `language()` resolves to. `local` names Keel's embedded engine, which is
   * not a language model: `language()` then throws MODEL_NOT_CONFIGURED and `available()` is false.
   */
  readonly model?: string | undefined;
}

/** The models a capability may use (its `context.models`). */
export interface InvocationModels {
  /** What `language()` resolves to without a name: the caller's choice, else the capability's route, else `default`. */
  readonly routed: string;
  /** Whether `language(name)` would return a model (the routed one without a name) instead of throwing. */
  available(name?: string): boolean;
  /**
   * The capability's routed model (`models.routes`, else `default`), or the named alias / `provider:model`.
   * Throws MODEL_NOT_CONFIGURED (503) when nothing can serve it.
   */
  language(name?: string): LanguageModelV4;
  /** The `embed` alias, or the named one. Throws MODEL_NOT_CONFIGURED when nothing can serve it. */
  embedding(name?: string): EmbeddingModelV4;
  /** Structured output validated against `schema`, with bounded repair re-asks (GATEWAY_OUTPUT_INVALID). */
  object<T>(request: ObjectRequest<T> & { readonly model?: string }): Promise<ObjectResult<T>>;
}

/** The port the capability invoker uses. */
export interface ModelCatalog {
  describe(): ModelDescription;
  forInvocation(scope: CapabilityCallScope): InvocationModels;
}

export interface GatewayDependencies {
  readonly settings: GatewaySettings;
  /** Providers beyond the configured ones, by name (`local`: Keel's embedded engine). */
  readonly providers?: Readonly<Record<string, ModelProvider>>;
  /** Embedding models registered as `<provider>:<modelId>`; the first backs `embed` when it is not configured. */
  readonly embeddingModels?: readonly EmbeddingModelV4[];
  /**
   * Applied, in order and outermost, to every language model the gateway hands out (capabilities and the
   * OpenAI-compatible surface alike): telemetry, limits, budgets. `providerMetadata.keel` on results says
   * which deployment served, with retries, fallbacks, cache hit and cost.
   */
  readonly modelMiddleware?: readonly LanguageModelV4Middleware[];
  readonly embeddingMiddleware?: readonly EmbeddingModelV4Middleware[];
  /** Where the response cache lives when `models.cache` is on (in-process by default; Redis with REDIS_URL). */
  readonly cacheStore?: ResponseCacheStore;
  /** Receive every model call as it ends (metrics, the model-call store). */
  readonly observers?: readonly ModelCallObserver[];
  readonly onCircuitChange?: RegistryOptions['onCircuitChange'];
  readonly fetch?: typeof fetch;
}

export interface ModelListing {
  readonly aliases: readonly AliasStatus[];
  readonly deployments: readonly DeploymentStatus[];
  readonly routes: Readonly<Record<string, string>>;
}

/**
 * The model gateway: names to routed AI SDK models, each handed out wrapped in the caller's middlewares,
 * accounting and (optionally) the response cache. One instance per process; routes and their deployments'
 * circuit breakers are shared by every caller.
 */
export class Gateway implements ModelCatalog {
  readonly #settings: GatewaySettings;
  readonly #registry: ModelRegistry;
  readonly #extraLanguage: readonly LanguageModelV4Middleware[];
  readonly #extraEmbedding: readonly EmbeddingModelV4Middleware[];
  readonly #cache: ResponseCacheStore | undefined;
  readonly #observers: ModelCallObserver[];
  readonly #language = new Map<string, RoutedLanguageModel | null>();
  readonly #embedding = new Map<string, RoutedEmbeddingModel | null>();

  constructor(dependencies: GatewayDependencies) {
    this.#settings = dependencies.settings;
    this.#registry = new ModelRegistry(dependencies.settings, {
      ...(dependencies.providers ? { providers: dependencies.providers } : {}),
      ...(dependencies.embeddingModels ? { embeddingModels: dependencies.embeddingModels } : {}),
      ...(dependencies.fetch ? { fetch: dependencies.fetch } : {}),
      ...(dependencies.onCircuitChange ? { onCircuitChange: dependencies.onCircuitChange } : {}),
    });
    this.#extraLanguage = dependencies.modelMiddleware ?? [];
    this.#extraEmbedding = dependencies.embeddingMiddleware ?? [];
    this.#cache = dependencies.settings.cache.enabled
      ? (dependencies.cacheStore ??
        new MemoryResponseCache({ maxEntries: dependencies.settings.cache.maxEntries }))
      : undefined;
    this.#observers = [...(dependencies.observers ?? [])];
    // Resolve every configured name now, so misconfiguration shows in the start log, not on the first call.
    this.#registry.aliases();
    for (const target of Object.values(dependencies.settings.routes)) {
      // `local` pins a capability to the embedded engine, which is not a language model.
      if (target !== 'local') this.#registry.languageRoute(target);
    }
  }

  /** Configuration the gateway cannot serve (providers without keys, unknown models), for the start log. */
  get warnings(): readonly string[] {
    return this.#registry.warnings;
  }

  /** Adds an observer of every model call (metrics register here); returns its removal. */
  observe(observer: ModelCallObserver): () => void {
    this.#observers.push(observer);
    return () => {
      const index = this.#observers.indexOf(observer);
      if (index !== -1) this.#observers.splice(index, 1);
    };
  }

  describe(): ModelDescription {
    const route = this.#registry.languageRoute('default');
    const provider = this.#settings.providers.find((candidate) => candidate.name === route?.primary.provider);
    return Object.freeze({
      configured: route !== undefined,
      provider: route?.primary.provider,
      model: route?.primary.modelId,
      baseUrl: route === undefined ? undefined : (provider?.baseUrl ?? defaultBaseUrl(provider?.kind)),
    });
  }

  forInvocation(scope: CapabilityCallScope): InvocationModels {
    const routed = scope.model ?? this.#registry.routeNameFor(scope.capability);
    const language = (name?: string): LanguageModelV4 => {
      const chosen = name ?? routed;
      const model = this.languageModel(chosen, scope);
      if (model === undefined) throw notConfigured(chosen, this.#settings.notConfiguredHint);
      return model;
    };
    return {
      routed,
      available: (name) => this.languageModel(name ?? routed, scope) !== undefined,
      language,
      embedding: (name) => {
        const chosen = name ?? 'embed';
        const model = this.embeddingModel(chosen, scope);
        if (model === undefined) throw notConfigured(chosen, this.#settings.notConfiguredHint);
        return model;
      },
      object: (request) =>
        generateObject(language(request.model), request, {
          signal: scope.signal,
          maxRepairs: this.#settings.structuredOutputRepairs,
        }),
    };
  }

  /** Whether configuration names it: what an OpenAI-compatible client may ask for (see ModelRegistry). */
  isConfigured(name: string): boolean {
    return this.#registry.isConfigured(name);
  }

  /** The model for an alias or `provider:model`, wrapped for this scope; undefined when not configured. */
  languageModel(name: string, scope: CallScope): LanguageModelV4 | undefined {
    let routed = this.#language.get(name);
    if (routed === undefined) {
      const route = this.#registry.languageRoute(name);
      routed = route === undefined ? null : new RoutedLanguageModel(route, this.#settings.resilience);
      if (routed !== null || this.isConfigured(name)) this.#language.set(name, routed);
    }
    if (routed === null) return undefined;
    const middleware: LanguageModelV4Middleware[] = [
      ...(scope.middleware ?? []),
      ...this.#extraLanguage,
      accountingMiddleware({ ...this.#accounting(scope), route: name }),
    ];
    if (this.#cache !== undefined) {
      middleware.push(cacheMiddleware({ store: this.#cache, settings: this.#settings.cache, route: name }));
    }
    return wrapLanguageModel({ model: routed, middleware });
  }

  /** The embedding model for an alias or `provider:model`, wrapped for this scope; undefined when not configured. */
  embeddingModel(name: string, scope: CallScope): EmbeddingModelV4 | undefined {
    let routed = this.#embedding.get(name);
    if (routed === undefined) {
      const route = this.#registry.embeddingRoute(name);
      routed = route === undefined ? null : new RoutedEmbeddingModel(route, this.#settings.resilience);
      if (routed !== null || this.isConfigured(name)) this.#embedding.set(name, routed);
    }
    if (routed === null) return undefined;
    return wrapEmbeddingModel({
      model: routed,
      middleware: [
        ...(scope.embeddingMiddleware ?? []),
        ...this.#extraEmbedding,
        embeddingAccountingMiddleware({ ...this.#accounting(scope), route: name }),
      ],
    });
  }

  /** Model names for an OpenAI-compatible listing: aliases and deployments that can serve now. */
  availableModels(): Array<{ id: string; kind: 'language' | 'embedding' }> {
    const listing = this.list();
    const available = new Map<string, 'language' | 'embedding'>();
    for (const alias of listing.aliases) if (alias.healthy) available.set(alias.name, alias.kind);
    for (const deployment of listing.deployments) {
      if (deployment.circuit === 'open' && deployment.retryInMs > 0) continue;
      available.set(deployment.id, deployment.kinds.includes('language') ? 'language' : 'embedding');
    }
    return [...available].map(([id, kind]) => ({ id, kind }));
  }

  /** Aliases, deployments with their circuit state, and routes (GET /v1/models). */
  list(): ModelListing {
    const aliases = this.#registry.aliases();
    return { aliases, deployments: this.#registry.deployments(), routes: { ...this.#settings.routes } };
  }

  /** For `/readyz`: informational, and failing only while every deployment of `default` is open. */
  readinessCheck(): {
    readonly name: string;
    readonly critical: boolean;
    check(): Promise<Record<string, unknown>>;
  } {
    return {
      name: 'models',
      critical: false,
      check: async () => {
        const description = this.describe();
        const deployments = this.#registry.deployments().map((deployment) => ({
          id: deployment.id,
          circuit: deployment.circuit,
        }));
        const defaultAlias = this.#registry.aliases().find((alias) => alias.name === 'default');
        if (defaultAlias !== undefined && !defaultAlias.healthy) {
          throw new Error(
            `every deployment of the default model has an open circuit: ${deployments
              .filter((deployment) => deployment.circuit !== 'closed')
              .map((deployment) => deployment.id)
              .join(', ')}`,
          );
        }
        return {
          configured: description.configured,
          provider: description.provider ?? null,
          model: description.model ?? null,
          deployments,
        };
      },
    };
  }

  /** The circuit state of one deployment (tests and the console). */
  circuit(deployment: string): CircuitStateName | undefined {
    return this.#registry.deployments().find((candidate) => candidate.id === deployment)?.circuit;
  }

  /**
   * Why a name asked for by an OpenAI-compatible client has no model: an alias Keel knows but cannot serve
   * is MODEL_NOT_CONFIGURED (503, with what to set); any other name is GATEWAY_MODEL_NOT_FOUND (404).
   */
  missingModel(name: string): AppError {
    const known = ['default', 'fast', 'smart', 'embed', ...this.#settings.aliases.map((alias) => alias.name)];
    if (known.includes(name)) return notConfigured(name, this.#settings.notConfiguredHint);
    return new AppError(gatewayErrors.GATEWAY_MODEL_NOT_FOUND, {
      detail: `The model "${name}" is not configured. GET /openai/v1/models lists the accepted names.`,
    });
  }

  #accounting(scope: CallScope) {
    return {
      requestId: scope.requestId,
      tenantId: scope.tenantId,
      source: scope.source,
      variant: scope.variant ?? null,
      subject: () => currentRequestContext()?.subject ?? null,
      prices: this.#settings.prices,
      record: (call: ModelCallRecord) => {
        scope.recorder?.add(call);
        for (const observer of this.#observers) {
          try {
            observer(call);
          } catch {
            // An observer's failure (metrics, storage) must never fail the model call it observes.
          }
        }
      },
    };
  }
}

function defaultBaseUrl(kind: string | undefined): string | undefined {
  if (kind === 'openai') return 'https://api.openai.com/v1';
  if (kind === 'anthropic') return 'https://api.anthropic.com/v1';
  return undefined;
}
