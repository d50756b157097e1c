import {
  type AliasSettings,
  DEFAULT_CACHE,
  DEFAULT_NOT_CONFIGURED_HINT,
  DEFAULT_RESILIENCE,
  type GatewaySettings,
  type ProviderKind,
  type ProviderSettings,
} from '../modules/gateway/config.ts';
import type { Environment } from './environment.schema.ts';
import type { ModelsConfigFile } from './models-config.schema.ts';

type RawEnvironment = Readonly<Record<string, string | undefined>>;

const DEFAULT_OPENAI_MODEL = 'gpt-4o-mini';
const DEFAULT_OPENAI_EMBEDDING_MODEL = 'text-embedding-3-small';
const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-4-5';

/** Problems only the environment can reveal: a provider whose key variable is named but unset. */
export function modelsConfigProblems(models: ModelsConfigFile, environment: RawEnvironment): string[] {
  const problems: string[] = [];
  for (const [name, provider] of Object.entries(models.providers)) {
    if (provider.apiKeyEnv !== undefined && !environment[provider.apiKeyEnv]?.trim()) {
      problems.push(
        `models.providers.${name}.apiKeyEnv: the environment variable ${provider.apiKeyEnv} is not set`,
      );
    }
  }
  return problems;
}

/**
 * The gateway's settings from the environment (the common case: one provider, one model) and the file's
 * `models` section (the rest). The environment wins where both speak: `KEEL_MODEL` beats `models.default`
 * and `aliases.default`.
 */
export function resolveGatewaySettings(
  environment: Environment,
  models: ModelsConfigFile,
  raw: RawEnvironment,
): GatewaySettings {
  const providers = new Map<string, ProviderSettings>();
  const add = (name: string, kind: ProviderKind, values: Partial<ProviderSettings> = {}) => {
    providers.set(name, {
      name,
      kind,
      baseUrl: values.baseUrl,
      apiKey: values.apiKey,
      headers: values.headers ?? {},
      structuredOutputs: values.structuredOutputs ?? kind !== 'openai-compatible',
    });
  };

  let environmentProvider: string | undefined;
  if (environment.OPENAI_BASE_URL) {
    add('openai-compatible', 'openai-compatible', {
      baseUrl: environment.OPENAI_BASE_URL,
      apiKey: environment.OPENAI_API_KEY,
    });
    environmentProvider = 'openai-compatible';
  } else if (environment.OPENAI_API_KEY) {
    add('openai', 'openai', { apiKey: environment.OPENAI_API_KEY });
    environmentProvider = 'openai';
  }
  if (environment.ANTHROPIC_API_KEY) {
    add('anthropic', 'anthropic', { apiKey: environment.ANTHROPIC_API_KEY });
    environmentProvider ??= 'anthropic';
  }

  for (const [name, provider] of Object.entries(models.providers)) {
    const kind = (provider.kind ?? name) as ProviderKind;
    const apiKey =
      provider.apiKeyEnv !== undefined
        ? raw[provider.apiKeyEnv]?.trim() || undefined
        : name === 'openai'
          ? environment.OPENAI_API_KEY
          : name === 'anthropic'
            ? environment.ANTHROPIC_API_KEY
            : undefined;
    // Hosted providers without a key cannot serve anything; their deployments are skipped at start.
    if (kind !== 'openai-compatible' && apiKey === undefined) {
      providers.delete(name);
      continue;
    }
    add(name, kind, {
      baseUrl: provider.baseUrl,
      apiKey,
      headers: provider.headers ?? {},
      ...(provider.structuredOutputs === undefined ? {} : { structuredOutputs: provider.structuredOutputs }),
    });
  }

  const aliases = new Map<string, AliasSettings>();
  for (const [name, alias] of Object.entries(models.aliases)) {
    aliases.set(name, toAlias(name, alias));
  }

  const environmentDefault = defaultRef(
    environment.KEEL_MODEL,
    models.default,
    environmentProvider,
    providers,
  );
  if (environment.KEEL_MODEL !== undefined && environmentDefault !== undefined) {
    aliases.set('default', {
      name: 'default',
      deployments: [{ ref: environmentDefault, weight: 1 }],
      fallbacks: [],
    });
  } else if (!aliases.has('default') && environmentDefault !== undefined) {
    aliases.set('default', {
      name: 'default',
      deployments: [{ ref: environmentDefault, weight: 1 }],
      fallbacks: [],
    });
  }
  if (
    !aliases.has('embed') &&
    providers.get('openai')?.kind === 'openai' &&
    environmentProvider === 'openai'
  ) {
    aliases.set('embed', {
      name: 'embed',
      deployments: [{ ref: `openai:${DEFAULT_OPENAI_EMBEDDING_MODEL}`, weight: 1 }],
      fallbacks: [],
    });
  }

  const resilience = models.resilience;
  return {
    providers: [...providers.values()],
    aliases: [...aliases.values()],
    routes: { ...models.routes },
    prices: { ...models.prices },
    resilience: {
      ...DEFAULT_RESILIENCE,
      ...withoutBreaker(resilience),
      breaker: { ...DEFAULT_RESILIENCE.breaker, ...resilience.breaker },
    },
    cache: models.cache
      ? {
          enabled: models.cache.enabled,
          ttlMs: models.cache.ttlSeconds * 1_000,
          maxEntries: models.cache.maxEntries,
          maxEntryBytes: models.cache.maxEntryBytes,
        }
      : DEFAULT_CACHE,
    structuredOutputRepairs: models.structuredOutput.maxRepairs,
    notConfiguredHint:
      environment.OPENAI_BASE_URL && environmentDefault === undefined
        ? 'OPENAI_BASE_URL is set but KEEL_MODEL is not: set KEEL_MODEL to the model id the server serves, then restart.'
        : DEFAULT_NOT_CONFIGURED_HINT,
  };
}

function withoutBreaker<T extends { breaker?: unknown }>(value: T): Omit<T, 'breaker'> {
  const { breaker: _breaker, ...rest } = value;
  return rest;
}

function defaultRef(
  keelModel: string | undefined,
  fileDefault: string | undefined,
  environmentProvider: string | undefined,
  providers: ReadonlyMap<string, ProviderSettings>,
): string | undefined {
  const chosen = keelModel ?? fileDefault;
  // `KEEL_MODEL=anthropic:claude-sonnet-4-5` names its provider; `llama3.1:8b` (an Ollama tag) does not.
  if (chosen !== undefined) {
    const separator = chosen.indexOf(':');
    if (separator > 0 && providers.has(chosen.slice(0, separator))) return chosen;
  }
  if (environmentProvider === undefined) return undefined;
  const model =
    chosen ??
    (environmentProvider === 'openai'
      ? DEFAULT_OPENAI_MODEL
      : environmentProvider === 'anthropic'
        ? DEFAULT_ANTHROPIC_MODEL
        : undefined);
  return model === undefined ? undefined : `${environmentProvider}:${model}`;
}

function toAlias(name: string, alias: ModelsConfigFile['aliases'][string]): AliasSettings {
  if (typeof alias === 'string') return { name, deployments: [{ ref: alias, weight: 1 }], fallbacks: [] };
  if (Array.isArray(alias)) {
    const [primary = '', ...fallbacks] = alias;
    return { name, deployments: [{ ref: primary, weight: 1 }], fallbacks };
  }
  const deployments =
    alias.deployments?.map((deployment) => ({ ref: deployment.model, weight: deployment.weight })) ??
    (alias.model === undefined ? [] : [{ ref: alias.model, weight: 1 }]);
  return { name, deployments, fallbacks: alias.fallbacks };
}
