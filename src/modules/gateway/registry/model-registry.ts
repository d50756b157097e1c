import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { AliasSettings, DeploymentTarget, GatewaySettings } from '../gateway-settings.ts';
import type { DeploymentGroup, LoopDeployment } from '../resilience/call-loop.ts';
import { type CircuitStateName, DeploymentHealth } from '../resilience/deployment-health.ts';
import { createProvider, type ModelProvider } from './provider-factory.ts';

export interface LanguageDeployment extends LoopDeployment {
  readonly model: LanguageModelV4;
}

export interface EmbeddingDeployment extends LoopDeployment {
  readonly model: EmbeddingModelV4;
}

/** Where calls to one name go: groups tried in order (the alias's deployments, then its fallbacks). */
export interface Route<D extends LoopDeployment> {
  readonly name: string;
  readonly groups: readonly DeploymentGroup<D>[];
  /** The first deployment of the first group: the model the route reports being. */
  readonly primary: D;
}

export type ModelKind = 'language' | 'embedding';

export interface RegistryOptions {
  /** Providers the composition root adds to the configured ones (e.g. `local`, Keel's embedded engine). */
  readonly providers?: Readonly<Record<string, ModelProvider>>;
  /** Ready-made embedding models, each registered as `<provider>:<modelId>`; the first backs `embed` when unset. */
  readonly embeddingModels?: readonly EmbeddingModelV4[];
  readonly fetch?: typeof fetch;
  readonly onCircuitChange?: (deployment: string, state: CircuitStateName) => void;
}

export interface DeploymentStatus {
  readonly id: string;
  readonly provider: string;
  readonly model: string;
  readonly kinds: readonly ModelKind[];
  readonly circuit: CircuitStateName;
  /** Milliseconds until an open circuit admits a probe. */
  readonly retryInMs: number;
}

export interface AliasStatus {
  readonly name: string;
  readonly kind: ModelKind;
  readonly deployments: readonly string[];
  readonly fallbacks: readonly string[];
  /** At least one deployment (fallbacks included) admits calls. */
  readonly healthy: boolean;
}

const BUILT_IN_LANGUAGE_ALIASES = ['fast', 'smart'] as const;

/**
 * Names to models: aliases and `provider:model` references resolve to routes of deployments, each
 * deployment an AI SDK model with its own circuit breaker (shared by every route that uses it). Built
 * once from configuration; routes are memoised, so resolving a name on the hot path is a map lookup.
 */
export class ModelRegistry {
  readonly #settings: GatewaySettings;
  readonly #providers = new Map<string, ModelProvider>();
  readonly #aliases = new Map<string, AliasSettings>();
  readonly #health = new Map<string, DeploymentHealth>();
  readonly #language = new Map<string, LanguageDeployment | null>();
  readonly #embedding = new Map<string, EmbeddingDeployment | null>();
  readonly #languageRoutes = new Map<string, Route<LanguageDeployment> | null>();
  readonly #embeddingRoutes = new Map<string, Route<EmbeddingDeployment> | null>();
  readonly #options: RegistryOptions;
  readonly #defaultEmbedding: string | undefined;
  /** Names configuration mentions; only those are remembered when they cannot be served. */
  readonly #known = new Set<string>(['default', ...BUILT_IN_LANGUAGE_ALIASES, 'embed']);
  /** Configuration that cannot be served (a provider without its key, a model the SDK refuses), for the start log. */
  readonly warnings: string[] = [];

  constructor(settings: GatewaySettings, options: RegistryOptions = {}) {
    this.#settings = settings;
    this.#options = options;
    for (const provider of settings.providers) {
      this.#providers.set(provider.name, createProvider(provider, options.fetch));
    }
    for (const [name, provider] of Object.entries(options.providers ?? {}))
      this.#providers.set(name, provider);
    for (const alias of settings.aliases) {
      this.#aliases.set(alias.name, alias);
      this.#known.add(alias.name);
      for (const deployment of alias.deployments) this.#known.add(deployment.ref);
      for (const fallback of alias.fallbacks) this.#known.add(fallback);
    }
    // `local` (a capability pinned to the embedded engine) names no language model: it stays unknown here.
    for (const target of Object.values(settings.routes)) if (target !== 'local') this.#known.add(target);

    let firstInjected: string | undefined;
    for (const model of options.embeddingModels ?? []) {
      const id = `${providerName(model.provider)}:${model.modelId}`;
      this.#embedding.set(id, this.#deployment(id, model));
      this.#known.add(id);
      firstInjected ??= id;
    }
    this.#defaultEmbedding = firstInjected;
  }

  /**
   * Whether configuration names it (an alias, a built-in alias, or a reference some alias or route uses).
   * Outside callers (the OpenAI-compatible surface) may ask only for these, so a client cannot grow the
   * registry's caches with made-up names.
   */
  isConfigured(name: string): boolean {
    return this.#known.has(name);
  }

  /** The alias a capability's calls go to when it does not name one. */
  routeNameFor(capability: string | undefined): string {
    return (capability === undefined ? undefined : this.#settings.routes[capability]) ?? 'default';
  }

  languageRoute(name: string): Route<LanguageDeployment> | undefined {
    return this.#route(name, 'language', this.#languageRoutes) as Route<LanguageDeployment> | undefined;
  }

  embeddingRoute(name: string): Route<EmbeddingDeployment> | undefined {
    return this.#route(name, 'embedding', this.#embeddingRoutes) as Route<EmbeddingDeployment> | undefined;
  }

  /** Every name a caller may use, with what backs it and whether it can serve now. */
  aliases(): AliasStatus[] {
    const names = new Set<string>([
      'default',
      ...BUILT_IN_LANGUAGE_ALIASES,
      'embed',
      ...this.#aliases.keys(),
    ]);
    const statuses: AliasStatus[] = [];
    for (const name of names) {
      const kind: ModelKind = name === 'embed' ? 'embedding' : 'language';
      const route = kind === 'embedding' ? this.embeddingRoute(name) : this.languageRoute(name);
      if (route === undefined) continue;
      const [first, ...rest] = route.groups as readonly DeploymentGroup<LoopDeployment>[];
      statuses.push({
        name,
        kind,
        deployments: first?.deployments.map((deployment) => deployment.id) ?? [],
        fallbacks: rest.flatMap((group) => group.deployments.map((deployment) => deployment.id)),
        healthy: route.groups.some((group) =>
          (group.deployments as readonly LoopDeployment[]).some(
            (deployment) => deployment.health.state !== 'open' || deployment.health.retryInMs() === 0,
          ),
        ),
      });
    }
    return statuses;
  }

  /** Every deployment some configured name uses (resolving them all first), with its circuit state. */
  deployments(): DeploymentStatus[] {
    this.aliases();
    for (const target of Object.values(this.#settings.routes)) this.languageRoute(target);
    const statuses = new Map<string, DeploymentStatus>();
    for (const [kind, deployments] of [
      ['language', this.#language],
      ['embedding', this.#embedding],
    ] as const) {
      for (const deployment of deployments.values()) {
        if (deployment === null) continue;
        const existing = statuses.get(deployment.id);
        statuses.set(deployment.id, {
          id: deployment.id,
          provider: deployment.provider,
          model: deployment.modelId,
          kinds: existing ? [...existing.kinds, kind] : [kind],
          circuit: deployment.health.state,
          retryInMs: deployment.health.retryInMs(),
        });
      }
    }
    return [...statuses.values()];
  }

  #route(
    name: string,
    kind: ModelKind,
    cache: Map<string, Route<LoopDeployment> | null>,
  ): Route<LoopDeployment> | undefined {
    const cached = cache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const groups = this.#groups(name, kind, new Set());
    const primary = groups[0]?.deployments[0];
    const route = primary === undefined ? null : { name, groups, primary };
    if (route !== null || this.#known.has(name)) cache.set(name, route);
    return route ?? undefined;
  }

  #groups(name: string, kind: ModelKind, visiting: Set<string>): DeploymentGroup<LoopDeployment>[] {
    const alias = this.#aliases.get(name);
    if (alias === undefined) {
      if (name.includes(':')) return this.#group([{ ref: name, weight: 1 }], kind);
      if ((BUILT_IN_LANGUAGE_ALIASES as readonly string[]).includes(name)) {
        return visiting.has('default') ? [] : this.#groups('default', kind, new Set([...visiting, name]));
      }
      if (name === 'embed' && kind === 'embedding' && this.#defaultEmbedding !== undefined) {
        return this.#group([{ ref: this.#defaultEmbedding, weight: 1 }], kind);
      }
      return [];
    }
    if (visiting.has(name)) return [];
    const inside = new Set([...visiting, name]);
    const groups = this.#group(alias.deployments, kind);
    for (const fallback of alias.fallbacks) {
      // A fallback alias contributes its own deployments, not its fallbacks: chains stay short and acyclic.
      const fallbackAlias = fallback.includes(':') ? undefined : this.#aliases.get(fallback);
      const next =
        fallbackAlias !== undefined
          ? inside.has(fallback)
            ? []
            : this.#group(fallbackAlias.deployments, kind)
          : this.#groups(fallback, kind, inside).slice(0, 1);
      groups.push(...next);
    }
    return groups;
  }

  #group(targets: readonly DeploymentTarget[], kind: ModelKind): DeploymentGroup<LoopDeployment>[] {
    const deployments: LoopDeployment[] = [];
    const weights: number[] = [];
    for (const target of targets) {
      const deployment =
        kind === 'language' ? this.#languageDeployment(target.ref) : this.#embeddingDeployment(target.ref);
      if (deployment === undefined) continue;
      deployments.push(deployment);
      weights.push(target.weight);
    }
    return deployments.length === 0 ? [] : [{ deployments, weights }];
  }

  #languageDeployment(ref: string): LanguageDeployment | undefined {
    if (!this.#language.has(ref)) {
      const model = this.#create(ref, (provider, modelId) => provider.languageModel?.(modelId), 'language');
      if (model === undefined && !this.#known.has(ref)) return undefined;
      this.#language.set(ref, model === undefined ? null : this.#deployment(ref, model));
    }
    return this.#language.get(ref) ?? undefined;
  }

  #embeddingDeployment(ref: string): EmbeddingDeployment | undefined {
    if (!this.#embedding.has(ref)) {
      const model = this.#create(ref, (provider, modelId) => provider.embeddingModel?.(modelId), 'embedding');
      if (model === undefined && !this.#known.has(ref)) return undefined;
      this.#embedding.set(ref, model === undefined ? null : this.#deployment(ref, model));
    }
    return this.#embedding.get(ref) ?? undefined;
  }

  #create<M>(
    ref: string,
    build: (provider: ModelProvider, modelId: string) => M | undefined,
    kind: ModelKind,
  ): M | undefined {
    const separator = ref.indexOf(':');
    const providerId = ref.slice(0, separator);
    const modelId = ref.slice(separator + 1);
    const provider = separator > 0 ? this.#providers.get(providerId) : undefined;
    if (provider === undefined) {
      if (this.#known.has(ref)) {
        this.warnings.push(`${ref}: provider "${providerId}" is not configured (missing key?); skipped`);
      }
      return undefined;
    }
    try {
      const model = build(provider, modelId);
      if (model === undefined)
        this.warnings.push(`${ref}: provider "${providerId}" has no ${kind} models; skipped`);
      return model;
    } catch (error) {
      this.warnings.push(`${ref}: ${error instanceof Error ? error.message : String(error)}; skipped`);
      return undefined;
    }
  }

  #deployment<M>(ref: string, model: M): LoopDeployment & { model: M } {
    const separator = ref.indexOf(':');
    let health = this.#health.get(ref);
    if (health === undefined) {
      const onChange = this.#options.onCircuitChange;
      health = new DeploymentHealth(
        this.#settings.resilience.breaker,
        onChange ? (state) => onChange(ref, state) : undefined,
      );
      this.#health.set(ref, health);
    }
    return { id: ref, provider: ref.slice(0, separator), modelId: ref.slice(separator + 1), health, model };
  }
}

/** `openai-compatible.chat` -> `openai-compatible`: the SDK appends the API to the provider name. */
function providerName(provider: string): string {
  return provider.split('.')[0] ?? provider;
}
