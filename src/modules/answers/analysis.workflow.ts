import { streamText } from 'ai';
import { z } from 'zod';
import {
  chooseEngine,
  engineFields,
  localProvenance,
  modelChoiceField,
  modelProvenance,
} from '../capabilities/index.ts';
import { defineWorkflow } from '../jobs/index.ts';
import { outcomeSchema, sourceSchema } from './answers.schemas.ts';
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
  relevanceEngine,
  relevantPassages,
  round,
} from './passages.ts';

export const analysisInputSchema = z
  .object({
    company_name: z.string().trim().min(1).max(200).describe('The company the analysis is about.'),
    question: z.string().trim().min(1).max(2_000).describe('What to find out about it.'),
    collection_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(20)
      .optional()
      .describe('The knowledge base to gather from; omitted: your 20 newest collections.'),
    max_sources: z.number().int().min(1).max(20).default(8).describe('Most sources to read.'),
    model: modelChoiceField,
  })
  .strict()
  .meta({ id: 'AnalysisInput' });

export const analysisOutputSchema = z
  .object({
    outcome: outcomeSchema,
    summary: z
      .string()
      .nullable()
      .describe('What the sources say about the company and the question; null when insufficient.'),
    sources: z.array(sourceSchema).describe('The passages the summary rests on ([1] is the first).'),
    confidence: z
      .number()
      .min(0)
      .max(1)
      .describe('Support for the summary: the best source relevance, discounted when few sources agree.'),
    ...engineFields,
  })
  .meta({ id: 'AnalysisOutput' });

type AnalysisOutput = z.input<typeof analysisOutputSchema>;

export interface AnalysisWorkflowOptions {
  readonly knowledge: KnowledgeBase;
  readonly relevance?: RelevanceSettings;
}

/** A gathered passage as journaled between steps (plain JSON). */
type Gathered = Passage;

/**
 * The `analysis` workflow: gather sources about a company from the knowledge base, read the relevant
 * ones, summarise them against the question, assess how well they support it. Each stage is a journaled
 * step (visible as `step-*` events; a redelivered job resumes after the last one that succeeded) and
 * reports progress. Runs on the configured model, or on the local engine (extractive summary) without one.
 */
export function createAnalysisWorkflow(options: AnalysisWorkflowOptions) {
  const relevance = options.relevance ?? DEFAULT_RELEVANCE;
  return defineWorkflow({
    name: 'analysis',
    version: '1.0.0',
    summary: 'Analyse a company from your knowledge base (a job)',
    description:
      'Gathers sources about `company_name` from your collections, reads those relevant to `question`, summarises them (a model, or the local engine extractively) and assesses the support. Steps `gather`, `read`, `summarise`, `assess` appear as job events. Result: `summary`, `sources[]`, `confidence`; `insufficient_context` when the knowledge base holds nothing relevant about the company.',
    input: analysisInputSchema,
    output: analysisOutputSchema,
    job: { attempts: 3, timeoutMs: 300_000 },
    examples: [
      {
        summary: 'Supply risk of a supplier',
        input: { company_name: 'Acme Corp', question: 'What are the main supply risks?', max_sources: 8 },
      },
    ],
    async run(input, context): Promise<AnalysisOutput> {
      const query = `${input.company_name} ${input.question}`;
      const gathered = await context.step('gather', async () => {
        const collectionIds =
          input.collection_ids ?? (await options.knowledge.collectionIds(context.tenantId, 20));
        if (collectionIds.length === 0) return [];
        const found = await options.knowledge.search({
          tenantId: context.tenantId,
          collectionIds,
          query,
          k: Math.min(50, input.max_sources * 3),
          mode: 'hybrid',
          signal: context.signal,
        });
        return found.results;
      });
      context.progress(0.25, `gathered ${gathered.length} passages`);

      const read: Gathered[] = await context.step('read', async () => {
        const company = input.company_name.toLowerCase();
        // Only passages that name the company: another company's risks are not evidence about this one.
        const about = gathered.filter((result) =>
          `${result.title}\n${result.content}`.toLowerCase().includes(company),
        );
        const passages = await relevantPassages(query, about, relevance, context.signal);
        return passages.slice(0, input.max_sources);
      });
      context.progress(0.5, `${read.length} relevant sources`);

      const engine = chooseEngine(context, input.model);
      const summary = await context.step('summarise', async () => {
        if (read.length === 0) return null;
        if (engine.kind === 'local') {
          const result = await relevanceEngine(relevance).summarize(
            {
              text: read.map((passage) => passage.result.content).join('\n\n'),
              max_sentences: 4,
              focus: query,
            },
            { signal: context.signal },
          );
          await context.emit({ type: 'text-delta', delta: result.summary });
          return {
            text: result.summary,
            cited: read.map((_, index) => index + 1),
            invalid: [],
            model: result.model,
          };
        }
        const stream = streamText({
          model: context.models.language(engine.name),
          system: GROUNDED_SYSTEM_PROMPT,
          prompt: groundedPrompt(
            `Company: ${input.company_name}\nQuestion: ${input.question}\nWrite a short analysis (at most 6 sentences) answering the question about this company from the sources.`,
            read,
          ),
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
        if (declined(text)) return null;
        const check = checkCitations(text, read.length);
        return {
          text: check.valid.length > 0 ? renumberCitations(check.text, check.valid) : check.text,
          cited: check.valid,
          invalid: check.invalid,
          model: null,
        };
      });
      context.progress(0.75, 'summarised');

      return context.step('assess', async () => {
        const provenance =
          engine.kind === 'local'
            ? localProvenance(summary?.model ?? 'extractive')
            : modelProvenance(context);
        if (summary === null) {
          return {
            outcome: 'insufficient_context' as const,
            summary: null,
            sources: [],
            confidence: 0,
            ...provenance,
          };
        }
        const cited = summary.cited
          .map((number) => read[number - 1])
          .filter((passage): passage is Gathered => passage !== undefined);
        const sources = cited.length > 0 ? cited : read;
        const best = Math.max(...sources.map((passage) => passage.relevance));
        // One source is weak evidence; three or more that are relevant count fully.
        const corroboration = 0.6 + 0.4 * Math.min(1, sources.length / 3);
        const penalty = (cited.length > 0 ? 1 : 0.5) * (summary.invalid.length > 0 ? 0.8 : 1);
        return {
          outcome: 'answered' as const,
          summary: summary.text,
          sources: sources.map((passage) => ({
            chunk_id: passage.result.chunkId,
            document_id: passage.result.documentId,
            collection_id: passage.result.collectionId,
            title: passage.result.title,
            quote: passage.result.snippet,
            relevance: round(passage.relevance),
          })),
          confidence: round(best * corroboration * penalty),
          ...provenance,
        };
      });
    },
  });
}
