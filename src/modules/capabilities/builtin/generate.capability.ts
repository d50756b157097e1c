import type { LanguageModelV4CallOptions } from '@ai-sdk/provider';
import { z } from 'zod';
import { variantCallSettings } from '../capability-variant.ts';
import { defineCapability } from '../define-capability.ts';

export const promptRequestSchema = z
  .object({
    user_input: z.string().min(1).max(20_000).describe('The prompt sent to the model.'),
    max_tokens: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .default(300)
      .describe('Upper bound on the tokens the model may generate for the answer.'),
  })
  .strict()
  .meta({ id: 'PromptRequest', title: 'PromptRequest' });

export const promptResponseSchema = z
  .object({
    answer: z.string().describe("The model's answer."),
    status: z.literal('ok').describe('Always `ok` on success; failures are problem documents instead.'),
  })
  .meta({ id: 'PromptResponse', title: 'PromptResponse' });

/** Free-form generation: the seed `PromptRequest -> PromptResponse` contract. */
export const generateCapability = defineCapability({
  name: 'generate',
  version: '1.0.0',
  summary: 'Generate text from a prompt',
  description:
    'Sends `user_input` to the configured generative model and returns its answer. Needs a model: with none configured it answers 503 `MODEL_NOT_CONFIGURED` rather than inventing text. Streamed (`Accept: text/event-stream`), the answer arrives as `text-delta` events while the model writes it.',
  input: promptRequestSchema,
  output: promptResponseSchema,
  examples: [
    {
      summary: 'A short question',
      input: { user_input: 'Name three uses of a keel on a sailing boat.', max_tokens: 120 },
      output: {
        answer: 'It keeps the boat upright, stops it sliding sideways and carries ballast.',
        status: 'ok',
      },
    },
  ],
  async run(input, context) {
    // Keel's gateway owns retries, limits, accounting and telemetry, so the gateway's model is called
    // directly: `generateText` and `streamText` would only add their own prompt validation, result objects
    // and (streamed) a chain of web-stream transforms per token, none of which this capability uses.
    const model = context.models.language();
    const instructions = context.variant?.instructions;
    const { temperature } = variantCallSettings(context.variant);
    const options: LanguageModelV4CallOptions = {
      prompt: [
        // A variant's instructions become the system prompt; the request's max_tokens wins over its settings.
        ...(instructions ? [{ role: 'system' as const, content: instructions }] : []),
        { role: 'user', content: [{ type: 'text', text: input.user_input }] },
      ],
      ...(temperature === undefined ? {} : { temperature }),
      maxOutputTokens: input.max_tokens,
      abortSignal: context.signal,
    };
    if (context.streaming !== true) {
      // A plain call: one JSON answer from the provider is cheaper than a stream nobody reads.
      const result = await model.doGenerate(options);
      const answer = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return { answer, status: 'ok' as const };
    }
    // Streamed: one pass per token from the upstream to the client.
    const { stream } = await model.doStream(options);
    const reader = stream.getReader();
    let answer = '';
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        const part = next.value;
        if (part.type === 'text-delta') {
          answer += part.delta;
          await context.emit({ type: 'text-delta', delta: part.delta });
        } else if (part.type === 'error') {
          throw part.error;
        }
      }
    } catch (error) {
      // A client that left, or the shutdown deadline: the signal's reason says which.
      reader.cancel().catch(() => {});
      throw context.signal.aborted ? (context.signal.reason ?? error) : error;
    }
    return { answer, status: 'ok' as const };
  },
});
