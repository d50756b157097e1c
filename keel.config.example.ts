// Copy to keel.config.ts to use it. Secrets (API keys) stay in the environment, never in this file.
import { generateText } from 'ai';
import { z } from 'zod';
import { defineCapability, defineConfig } from './src/index.ts';

/** A team's own capability: `POST /v1/tagline` appears with validation, docs and the request log. */
const tagline = defineCapability({
  name: 'tagline',
  version: '1.0.0',
  summary: 'Write a product tagline',
  description: 'Writes one tagline of at most `max_words` words for a product description.',
  input: z.object({
    product: z.string().min(3).max(2_000).describe('What the product is and does.'),
    max_words: z.number().int().min(3).max(20).default(8),
  }),
  output: z.object({ tagline: z.string().min(1) }),
  async run(input, context) {
    const { text } = await generateText({
      model: context.models.language(),
      prompt: `Write one tagline of at most ${input.max_words} words for: ${input.product}`,
      abortSignal: context.signal,
      maxRetries: 0,
    });
    return { tagline: text.trim() };
  },
});

export default defineConfig({
  // Model gateway (docs/gateway.md): aliases, fallbacks, routing, prices. Keys stay in the environment.
  models: {
    default: 'gpt-4o-mini',
    aliases: { smart: ['openai:gpt-4.1', 'anthropic:claude-sonnet-4-5'] },
    routes: { tagline: 'fast' },
    prices: { 'openai:gpt-4o-mini': { input: 0.15, output: 0.6 } },
  },
  http: { corsOrigins: ['http://localhost:5173'] },
  capabilities: [tagline],
});
