import { streamText } from 'ai';
import { z } from 'zod';
import {
  type CapabilityContext,
  chooseEngine,
  defineCapability,
  localProvenance,
  modelChoiceField,
  modelProvenance,
} from '../capabilities/index.ts';
import { metadataFilterSchema, type SearchResult } from '../retrieval/index.ts';
import { answerOutputSchema } from './answers.schemas.ts';
import {
  checkCitations,
  declined,
  GROUNDED_SYSTEM_PROMPT,
  groundedPrompt,
  renumberCitations,
} from './grounding.ts';
import type { KnowledgeBase } from './knowledge-base.port.ts';
import {
  DEFAULT_RELEVANCE,
  type Passage,
  type RelevanceSettings,
  rankQuotes,
  relevanceEngine,
  relevantPassages,
  round,
} from './passages.ts';

export const answerInputSchema = z
  .object({
    question: z.string().trim().min(1).max(2_000).describe('What to answer from the collections.'),
    collection_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(20)
      .describe('The collections to answer from (`GET /v1/collections`).'),
    document_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .optional()
      .describe('Only these documents.'),
    filter: metadataFilterSchema.optional(),
    k: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(6)
      .describe('How many chunks to retrieve before relevance filtering.'),
    mode: z
      .enum(['hybrid', 'lexical', 'vector'])
      .default('hybrid')
      .describe('The search mode (see `POST /v1/search`).'),
    max_quotes: z
      .number()
      .int()
      .min(1)
      .max(5)
      .default(2)
      .describe('Local engine: how many sentences the extractive answer quotes.'),
    model: modelChoiceField,
  })
  .strict()
  .meta({ id: 'AnswerInput' });

export type AnswerOutput = z.input<typeof answerOutputSchema>;

export interface AnswerCapabilityOptions {
  readonly knowledge: KnowledgeBase;
  readonly relevance?: RelevanceSettings;
  /** Most passages handed to a model (the best ones). */
  readonly maxModelSources?: number;
}

/**
 * `answer`: grounded answers from a tenant's collections. Retrieval, then an absolute relevance check, so
 * an unrelated question gets `insufficient_context` instead of a guess; then either a model answering from
 * fenced, numbered sources (its citations checked against them) or, with no model, the local engine
 * quoting the most relevant sentences.
 */
export function createAnswerCapability(options: AnswerCapabilityOptions) {
  const relevance = options.relevance ?? DEFAULT_RELEVANCE;
  const maxModelSources = options.maxModelSources ?? 6;
  return defineCapability({
    name: 'answer',
    version: '1.0.0',
    summary: 'Answer a question from your documents, with sources',
    description: [
      'Searches the given collections, keeps the chunks that are relevant to the question on an absolute scale, and answers from them with numbered `sources` (chunk ids, titles, quotes) and a `confidence`.',
      'When nothing retrieved is relevant, the outcome is `insufficient_context` and no answer is given.',
      'With a model: the model answers only from the fenced sources (document text is data, never instructions) and cites them; citations are checked against the retrieved chunks.',
      'Without a model (or `model: "local"`): the local engine quotes the most relevant sentences (extractive).',
    ].join(' '),
    input: answerInputSchema,
    output: answerOutputSchema,
    examples: [
      {
        summary: 'A question over a handbook collection',
        input: {
          question: 'How many days of annual leave do employees get?',
          collection_ids: ['0b9d0f3e-5a57-4c1b-9c55-3f8f1a1f2b10'],
          k: 6,
          mode: 'hybrid',
          max_quotes: 2,
        },
        output: {
          outcome: 'answered',
          answer: 'Employees get 25 days of paid annual leave per calendar year. [1]',
          sources: [
            {
              chunk_id: '6f1d2c1e-8a0b-4d5e-9f3a-2b7c4d5e6f70',
              document_id: '2a4b6c8d-0e1f-4a3b-8c5d-7e9f1a2b3c4d',
              collection_id: '0b9d0f3e-5a57-4c1b-9c55-3f8f1a1f2b10',
              title: 'Employee handbook',
              quote: 'Employees get 25 days of paid annual leave per calendar year.',
              relevance: 0.71,
            },
          ],
          confidence: 0.71,
          citations: { invalid: [] },
          engine: 'local',
          model: 'use-lite-512+bm25',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ],
    async run(input, context): Promise<AnswerOutput> {
      const results = await context.step('retrieve', async () => {
        const found = await options.knowledge.search({
          tenantId: context.tenantId,
          collectionIds: input.collection_ids,
          query: input.question,
          k: input.k,
          mode: input.mode,
          filter: input.filter,
          documentIds: input.document_ids,
          signal: context.signal,
        });
        return found.results;
      });
      const passages = await relevantPassages(input.question, results, relevance, context.signal);
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'local') {
        return localAnswer(input.question, passages, input.max_quotes, relevance, context);
      }
      // Explicitly asked for a model that cannot serve: say so even when there is nothing to answer from.
      const model = context.models.language(engine.name);
      if (passages.length === 0) return insufficient(modelProvenance(context));
      const given = passages.slice(0, maxModelSources);
      const stream = streamText({
        model,
        system: GROUNDED_SYSTEM_PROMPT,
        prompt: groundedPrompt(`Question: ${input.question}`, given),
        abortSignal: context.signal,
        maxRetries: 0,
        // textStream throws the error below; without onError the AI SDK prints it raw (decision 0128).
        onError: () => {},
      });
      let text = '';
      for await (const delta of stream.textStream) {
        text += delta;
        await context.emit({ type: 'text-delta', delta });
      }
      if (declined(text)) return insufficient(modelProvenance(context));
      const check = checkCitations(text, given.length);
      const cited = check.valid.map((number) => given[number - 1]).filter((passage) => passage !== undefined);
      // An answer that cites nothing checkable rests on every source it was given, and is trusted less.
      const sources = cited.length > 0 ? cited : given;
      const support = Math.max(...sources.map((passage) => passage.relevance));
      const penalty = (cited.length > 0 ? 1 : 0.5) * (check.invalid.length > 0 ? 0.8 : 1);
      return {
        outcome: 'answered',
        answer: cited.length > 0 ? renumberCitations(check.text, check.valid) : check.text,
        sources: sources.map((passage) => present(passage, passage.result.snippet)),
        confidence: round(support * penalty),
        citations: { invalid: check.invalid },
        ...modelProvenance(context),
      };
    },
  });
}

async function localAnswer(
  question: string,
  passages: readonly Passage[],
  maxQuotes: number,
  relevance: RelevanceSettings,
  context: CapabilityContext,
): Promise<AnswerOutput> {
  const strategy = !relevanceEngine(relevance).embeddings
    ? 'bm25+extractive'
    : 'use-lite-512+bm25+extractive';
  if (passages.length === 0) return insufficient(localProvenance(strategy));
  const quotes = (await rankQuotes(question, passages, relevance, context.signal))
    .filter((quote) => quote.relevance >= relevance.minimum)
    .slice(0, maxQuotes);
  if (quotes.length === 0) return insufficient(localProvenance(strategy));
  const cited: Passage[] = [];
  const parts = quotes.map((quote) => {
    if (!cited.includes(quote.passage)) cited.push(quote.passage);
    return `${quote.text} [${cited.indexOf(quote.passage) + 1}]`;
  });
  const answer = parts.join(' ');
  await context.emit({ type: 'text-delta', delta: answer });
  return {
    outcome: 'answered',
    answer,
    sources: cited.map((passage) =>
      present(
        passage,
        quotes
          .filter((quote) => quote.passage === passage)
          .map((quote) => quote.text)
          .join(' '),
      ),
    ),
    confidence: quotes[0]?.relevance ?? 0,
    citations: { invalid: [] },
    ...localProvenance(strategy),
  };
}

function insufficient(provenance: Pick<AnswerOutput, 'engine' | 'model' | 'usage'>): AnswerOutput {
  return {
    outcome: 'insufficient_context',
    answer: null,
    sources: [],
    confidence: 0,
    citations: { invalid: [] },
    ...provenance,
  };
}

function present(passage: Passage, quote: string): AnswerOutput['sources'][number] {
  const result: SearchResult = passage.result;
  return {
    chunk_id: result.chunkId,
    document_id: result.documentId,
    collection_id: result.collectionId,
    title: result.title,
    quote,
    relevance: round(passage.relevance),
  };
}
