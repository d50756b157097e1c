import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderSettings } from '../gateway-settings.ts';

/**
 * What the registry needs from a provider: models by id. The AI SDK's providers satisfy it; the composition
 * root may inject more (Keel's embedded engine registers `local` this way).
 */
export interface ModelProvider {
  languageModel?(modelId: string): LanguageModelV4;
  embeddingModel?(modelId: string): EmbeddingModelV4;
}

/**
 * The AI SDK provider for one configured provider. OpenAI goes through chat completions (`openai.chat`),
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
      const provider = createOpenAI({ ...common, name: settings.name });
      return {
        languageModel: (modelId) => provider.chat(modelId),
        embeddingModel: (modelId) => provider.embedding(modelId),
      };
    }
    case 'anthropic': {
      const provider = createAnthropic({ ...common, name: settings.name });
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
      return {
        languageModel: (modelId) => provider.chatModel(modelId),
        embeddingModel: (modelId) => provider.embeddingModel(modelId),
      };
    }
  }
}
