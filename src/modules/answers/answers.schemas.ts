import { z } from 'zod';
import { engineFields } from '../capabilities/index.ts';

export const sourceSchema = z
  .object({
    chunk_id: z
      .string()
      .describe('The retrieved chunk this source is (`GET /v1/documents/{id}` lists chunks).'),
    document_id: z.string(),
    collection_id: z.string(),
    title: z.string().describe("The document's title."),
    quote: z.string().describe('The passage of the chunk the answer rests on.'),
    relevance: z
      .number()
      .min(0)
      .max(1)
      .describe("The chunk's relevance to the question, on an absolute 0..1 scale."),
  })
  .meta({ id: 'AnswerSource' });

export const outcomeSchema = z
  .enum(['answered', 'insufficient_context'])
  .describe(
    '`insufficient_context`: nothing retrieved is relevant enough (or the model found no answer in it), so no answer is given rather than a guess.',
  );

export const answerOutputSchema = z
  .object({
    outcome: outcomeSchema,
    answer: z
      .string()
      .nullable()
      .describe('The answer, citing sources as [1], [2] (numbers into `sources`); null when insufficient.'),
    sources: z.array(sourceSchema).describe('What the answer rests on, in citation order: [1] is the first.'),
    confidence: z
      .number()
      .min(0)
      .max(1)
      .describe('How well the sources support the answer (0..1); 0 when `insufficient_context`.'),
    citations: z
      .object({
        invalid: z
          .array(z.number().int())
          .describe(
            'Source numbers the model cited that were not among its sources: removed from the answer.',
          ),
      })
      .describe('The citation check of a model answer (always empty on the local engine).'),
    ...engineFields,
  })
  .meta({ id: 'AnswerOutput' });
