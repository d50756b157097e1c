import { createOpenAICompatible, VERSION as OPENAI_COMPATIBLE_VERSION } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderKind, ProviderSettings } from '../gateway-settings.ts';
import { LeanChatStreamModel } from './lean-chat-stream.ts';

/**
 * The AI SDK's OpenAI and Anthropic providers are imported only when a configured provider needs them
 * (`loadProviderModules`, awaited before the gateway is built): a process without their keys never loads
 * them, about 0.1 s of start-up and 20 MB each (decision 0205). The OpenAI-compatible provider, which the
 * fake upstream and most local servers use, is small and always loaded.
 */
const loaded: {
  openai?: typeof import('@ai-sdk/openai');
  anthropic?: typeof import('@ai-sdk/anthropic');
} = {};

/** Imports the provider packages these kinds need; idempotent. */
export async function loadProviderModules(kinds: Iterable<ProviderKind>): Promise<void> {
  for (const kind of new Set(kinds)) {
    if (kind === 'openai') loaded.openai ??= await import('@ai-sdk/openai');
    if (kind === 'anthropic') loaded.anthropic ??= await import('@ai-sdk/anthropic');
  }
}

function providerModule<K extends 'openai' | 'anthropic'>(kind: K): NonNullable<(typeof loaded)[K]> {
  const module = loaded[kind];
  if (module === undefined) {
    throw new Error(`The ${kind} provider package is not loaded: await loadProviderModules() first.`);
  }
  return module as NonNullable<(typeof loaded)[K]>;
}

/**
 * What the registry needs from a provider: models by id. The AI SDK's providers satisfy it; the composition
 * root may inject more (Keel's embedded engine registers `local` this way).
 */
export interface ModelProvider {
  languageModel?(modelId: string): LanguageModelV4;
  embeddingModel?(modelId: string): EmbeddingModelV4;
}

/**
 * The AI SDK provider for one configured provider (its package loaded by `loadProviderModules`). OpenAI goes through chat completions (`openai.chat`),
 * which every OpenAI-compatible server speaks too; Anthropic through its Messages API.
 */
export function createProvider(
  settings: ProviderSettings,
  fetchImplementation?: typeof fetch,
): ModelProvider {
  const common = {
    ...(settings.baseUrl === undefined ? {} : { baseURL: settings.baseUrl }),
    ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
    headers: { ...settings.headers },
    ...(fetchImplementation === undefined ? {} : { fetch: fetchImplementation }),
  };
  switch (settings.kind) {
    case 'openai': {
      const provider = providerModule('openai').createOpenAI({ ...common, name: settings.name });
      return {
        languageModel: (modelId) => provider.chat(modelId),
        embeddingModel: (modelId) => provider.embedding(modelId),
      };
    }
    case 'anthropic': {
      const provider = providerModule('anthropic').createAnthropic({ ...common, name: settings.name });
      return { languageModel: (modelId) => provider.messages(modelId) };
    }
    case 'openai-compatible': {
      const provider = createOpenAICompatible({
        ...common,
        name: settings.name,
        baseURL: settings.baseUrl ?? '',
        // Streams report usage only when asked; accounting needs it.
        includeUsage: true,
        supportsStructuredOutputs: settings.structuredOutputs,
      });
      // Streams of plain text are read by Keel's lean reader (decision 0206); the rest by the AI SDK model.
      const endpoint = {
        url: `${(settings.baseUrl ?? '').replace(/\/+$/, '')}/chat/completions`,
        headers: {
          ...(settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` }),
          // What the AI SDK's provider sends, less the version of its internal HTTP helper.
          'user-agent': `ai-sdk-openai-compatible/${OPENAI_COMPATIBLE_VERSION} node.js/${process.version}`,
          ...settings.headers,
        },
        fetch: fetchImplementation,
      };
      return {
        languageModel: (modelId) => new LeanChatStreamModel(provider.chatModel(modelId), endpoint),
        embeddingModel: (modelId) => provider.embeddingModel(modelId),
      };
    }
  }
}
