import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { z } from 'zod';

/** OpenAI's embeddings request, for text inputs (token-id inputs are not accepted). */
export const embeddingRequestSchema = z
  .object({
    model: z.string().min(1).max(200).describe('`embed`, another alias, or `provider:model`.'),
    input: z.union([z.string(), z.array(z.string()).min(1).max(2_048)]),
    encoding_format: z
      .enum(['float', 'base64'])
      .optional()
      .describe('`base64`: little-endian float32 bytes (what the official SDKs ask for).'),
    dimensions: z.number().int().min(1).max(16_384).optional(),
    user: z.string().optional(),
  })
  .meta({ id: 'EmbeddingRequest' });

export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;

export const embeddingListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .meta({ id: 'EmbeddingList' });

export type EmbeddingList = z.output<typeof embeddingListSchema>;

/** Embeds the inputs in batches the model accepts, in order, through the gateway's model. */
export async function embed(
  model: EmbeddingModelV4,
  request: EmbeddingRequest,
  abortSignal: AbortSignal,
): Promise<EmbeddingList> {
  const values = typeof request.input === 'string' ? [request.input] : request.input;
  const limit = (await model.maxEmbeddingsPerCall) ?? Number.POSITIVE_INFINITY;
  const batch = Number.isFinite(limit) && limit > 0 ? limit : values.length;
  const vectors: number[][] = [];
  let tokens = 0;
  for (let start = 0; start < values.length; start += batch) {
    const result = await model.doEmbed({
      values: values.slice(start, start + batch),
      abortSignal,
      ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
    });
    vectors.push(...result.embeddings);
    tokens += result.usage?.tokens ?? 0;
  }
  const base64 = request.encoding_format === 'base64';
  return {
    object: 'list',
    data: vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
