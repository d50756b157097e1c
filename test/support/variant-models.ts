import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
} from '@ai-sdk/provider';
import { generateText } from 'ai';
import { z } from 'zod';
import {
  defineCapability,
  variantCallSettings,
  variantSystem,
} from '../../src/modules/capabilities/index.ts';
import {
  DEFAULT_RESILIENCE,
  emptyGatewaySettings,
  Gateway,
  type ModelCallObserver,
} from '../../src/modules/gateway/index.ts';

/** A generate result with the given text and token counts. */
export function textResult(text: string, inputTokens = 7, outputTokens = 3): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'text', text }],
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
    },
    warnings: [],
  };
}

/** A gateway over provider `mock` whose models are the given ones by id; `default` is `mock:<defaultId>`. */
export function gatewayOf(
  models: Readonly<Record<string, LanguageModelV4>>,
  defaultId: string,
): (middlewares: readonly LanguageModelV4Middleware[], observers: readonly ModelCallObserver[]) => Gateway {
  return (middlewares, observers) =>
    new Gateway({
      settings: emptyGatewaySettings({
        aliases: [{ name: 'default', deployments: [{ ref: `mock:${defaultId}`, weight: 1 }], fallbacks: [] }],
        resilience: { ...DEFAULT_RESILIENCE, maxAttempts: 1 },
      }),
      providers: {
        mock: {
          languageModel: (id) => {
            const model = models[id];
            if (model === undefined) throw new Error(`no mock model ${id}`);
            return model;
          },
        },
      },
      modelMiddleware: middlewares,
      observers,
    });
}

/**
 * `answer`: asks the model (with the variant's instructions as the system prompt) and returns what it wrote
 * parsed as JSON, which must be `{ "answer": string }`: a model that writes anything else fails the
 * capability's output schema (CAPABILITY_OUTPUT_INVALID).
 */
export const answerCapability = defineCapability({
  name: 'answer-json',
  version: '1.0.0',
  summary: 'Answer a question as JSON (tests)',
  description: 'Asks the routed model; its text must be `{"answer": "..."}`.',
  input: z.object({ question: z.string().min(1) }).strict(),
  output: z.object({ answer: z.string() }).strict(),
  async run(input, context) {
    const { text } = await generateText({
      model: context.models.language(),
      prompt: input.question,
      maxOutputTokens: 50,
      ...variantSystem(context.variant),
      ...variantCallSettings(context.variant),
      abortSignal: context.signal,
      maxRetries: 0,
    });
    try {
      return JSON.parse(text) as { answer: string };
    } catch {
      return { unparsable: text } as unknown as { answer: string };
    }
  },
});
