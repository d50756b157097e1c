import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { AppError } from '../../platform/errors/index.ts';
import { gatewayErrors } from './gateway.errors.ts';
import { type UsageRecorder, usageMiddleware } from './usage.ts';

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

export interface OpenAICompatibleSettings {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly model: string | undefined;
}

/** What `GET /v1/models` and `/readyz` say about the configured generative model. */
export interface ModelDescription {
  readonly configured: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly baseUrl: string | undefined;
}

/** The port capabilities use: a language model for this invocation, with its usage recorded. */
export interface ModelCatalog {
  describe(): ModelDescription;
  /** Throws MODEL_NOT_CONFIGURED when there is no generative model. */
  languageModel(recorder?: UsageRecorder): LanguageModelV4;
}

/**
 * The foundation's single OpenAI-compatible model, configured by environment alone: `OPENAI_API_KEY` for
 * OpenAI, `OPENAI_BASE_URL` + `KEEL_MODEL` for Ollama, vLLM, llama.cpp, LM Studio or a test fake.
 */
export function createModelCatalog(
  settings: OpenAICompatibleSettings,
  fetchImplementation?: typeof fetch,
): ModelCatalog {
  const baseUrl = settings.baseUrl ?? (settings.apiKey ? OPENAI_BASE_URL : undefined);
  const modelId =
    settings.model ?? (settings.baseUrl ? undefined : settings.apiKey ? OPENAI_DEFAULT_MODEL : undefined);
  const providerName = settings.baseUrl ? 'openai-compatible' : 'openai';
  const description: ModelDescription = Object.freeze({
    configured: baseUrl !== undefined && modelId !== undefined,
    provider: baseUrl === undefined ? undefined : providerName,
    model: modelId,
    baseUrl,
  });

  const base =
    baseUrl !== undefined && modelId !== undefined
      ? createOpenAICompatible({
          name: providerName,
          baseURL: baseUrl,
          ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
          includeUsage: true,
          ...(fetchImplementation ? { fetch: fetchImplementation } : {}),
        }).chatModel(modelId)
      : undefined;

  return {
    describe: () => description,
    languageModel(recorder) {
      if (base === undefined) {
        throw new AppError(gatewayErrors.MODEL_NOT_CONFIGURED, {
          detail: settings.baseUrl
            ? 'OPENAI_BASE_URL is set but KEEL_MODEL is not: set KEEL_MODEL to the model id the server serves, then restart.'
            : 'Set OPENAI_API_KEY (OpenAI), or OPENAI_BASE_URL and KEEL_MODEL (an OpenAI-compatible server such as Ollama, vLLM, llama.cpp or LM Studio), then restart Keel.',
        });
      }
      return recorder ? wrapLanguageModel({ model: base, middleware: usageMiddleware(recorder) }) : base;
    },
  };
}
