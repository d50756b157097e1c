import { generateText } from 'ai';
import { z } from 'zod';
import { variantCallSettings, variantSystem } from '../capability-variant.ts';
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
    // Keel's gateway owns retries (one loop, not one per layer).
    const call = {
      model: context.models.language(),
      prompt: input.user_input,
      // A variant's instructions become the system prompt; the request's max_tokens wins over its settings.
      ...variantSystem(context.variant),
      ...variantCallSettings(context.variant),
      maxOutputTokens: input.max_tokens,
      abortSignal: context.signal,
      maxRetries: 0,
    };
    if (context.streaming !== true) {
      // A plain call: one JSON answer from the provider is cheaper than a stream nobody reads.
      const result = await generateText(call);
      return { answer: result.text, status: 'ok' as const };
    }
    // Streamed: the gateway's model stream read directly, one pass per token from the upstream to the
    // client. `streamText` would add its own chain of web-stream transforms per token for nothing this
    // capability uses (the gateway already does retries, limits, accounting and telemetry).
    const instructions = context.variant?.instructions;
    const { temperature } = variantCallSettings(context.variant);
    const { stream } = await call.model.doStream({
      prompt: [
        ...(instructions ? [{ role: 'system' as const, content: instructions }] : []),
        { role: 'user', content: [{ type: 'text', text: input.user_input }] },
      ],
      ...(temperature === undefined ? {} : { temperature }),
      maxOutputTokens: input.max_tokens,
      abortSignal: context.signal,
    });
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
