import { z } from 'zod';
import { LOCAL_ENGINE_LIMITS } from '../../../local-engine/index.ts';
import { variantSystem } from '../capability-variant.ts';
import type { CapabilityContext } from '../define-capability.ts';
import { defineCapability } from '../define-capability.ts';
import {
  chooseEngine,
  engineFields,
  localProvenance,
  modelChoiceField,
  modelProvenance,
} from '../engine-choice.ts';
import { type BuiltinCapabilityOptions, engineOf } from './builtin-options.ts';

/** Items one model call judges, how many such calls run at once, and how much of each item it reads. */
export const MODEL_SCORING = Object.freeze({ batchSize: 20, concurrency: 2, itemChars: 1_000 });

export const rankItemSchema = z
  .object({
    id: z.string().min(1).max(256).describe('Your id for the item, returned with its score.'),
    text: z.string().trim().min(1).max(LOCAL_ENGINE_LIMITS.maxItemChars).describe('The item’s text.'),
  })
  .strict();

/** Item lists: 1..1,000 items with distinct ids. */
export const rankItemsSchema = z
  .array(rankItemSchema)
  .min(1)
  .max(LOCAL_ENGINE_LIMITS.maxItems)
  .superRefine((items, context) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id))
        context.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate id "${item.id}"` });
      seen.add(item.id);
    });
  });

export const scoreInputSchema = z
  .object({
    query: z
      .string()
      .trim()
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxItemChars)
      .describe('What the items are scored against.'),
    items: rankItemsSchema.describe('The items to score, at most 1,000, with distinct ids.'),
    model: modelChoiceField,
  })
  .strict()
  .meta({ id: 'ScoreRequest', title: 'ScoreRequest' });

const itemScoreSchema = z.object({
  id: z.string(),
  score: z.number().min(0).max(1).describe('Relevance to the query in 0..1.'),
  rank: z.number().int().min(1).describe('1 = most relevant; equal scores keep the input order.'),
});

export const scoreOutputSchema = z
  .object({
    scores: z.array(itemScoreSchema).describe('Every item, best first.'),
    ...engineFields,
  })
  .meta({ id: 'ScoreResponse', title: 'ScoreResponse' });

type ScoreInput = z.output<typeof scoreInputSchema>;
type ScoreOutput = z.input<typeof scoreOutputSchema>;
type RankItem = z.output<typeof rankItemSchema>;

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function relevancePrompt(query: string, items: readonly RankItem[]): string {
  const listed = items
    .map(
      (item, index) => `[${index + 1}] ${item.text.slice(0, MODEL_SCORING.itemChars).replaceAll('\n', ' ')}`,
    )
    .join('\n');
  return `Judge how relevant each numbered item is to the query, from 0 (unrelated) through 0.5 (partly relevant, or related but not what was asked) to 1 (exactly what the query asks for). Judge each item on its own; give every item exactly one score.\n\nQuery: ${query}\n\nItems:\n${listed}`;
}

/** The structured answer for one batch: each of its `count` items numbered 1..count, exactly once. */
export function batchScoresSchema(count: number) {
  return z.object({
    scores: z
      .array(z.object({ item: z.number().int().min(1).max(count), score: z.number().min(0).max(1) }))
      .superRefine((scores, context) => {
        const seen = new Set(scores.map((entry) => entry.item));
        const absent = Array.from({ length: count }, (_, index) => index + 1).filter(
          (item) => !seen.has(item),
        );
        if (absent.length > 0)
          context.addIssue({ code: 'custom', message: `no score for items ${absent.join(', ')}` });
        if (seen.size !== scores.length)
          context.addIssue({ code: 'custom', message: 'an item is scored twice' });
      }),
  });
}

/** Runs `work` over `inputs` with at most `limit` at a time, results in input order. */
async function mapBounded<T, R>(
  inputs: readonly T[],
  limit: number,
  work: (input: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(limit, inputs.length) }, async () => {
    // After one failure the other lanes finish their current call and take no more work.
    while (next < inputs.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(inputs[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Model relevance of every item, in input order: bounded batches, each one structured-output call. */
export async function judgeRelevance(
  query: string,
  items: readonly RankItem[],
  context: CapabilityContext,
  modelName: string | undefined,
): Promise<number[]> {
  const batches: RankItem[][] = [];
  for (let start = 0; start < items.length; start += MODEL_SCORING.batchSize) {
    batches.push(items.slice(start, start + MODEL_SCORING.batchSize));
  }
  let done = 0;
  const judged = await mapBounded(batches, MODEL_SCORING.concurrency, async (batch) => {
    const { object } = await context.models.object({
      ...variantSystem(context.variant),
      schema: batchScoresSchema(batch.length),
      prompt: relevancePrompt(query, batch),
      name: 'relevance',
      description: 'A relevance score for every numbered item.',
      temperature: 0,
      ...(modelName === undefined ? {} : { model: modelName }),
    });
    done++;
    context.progress(done / batches.length, `${done} of ${batches.length} batches judged`);
    const byItem = new Map(object.scores.map((entry) => [entry.item, entry.score]));
    return batch.map((_, index) => byItem.get(index + 1) ?? 0);
  });
  return judged.flat();
}

/** Items ranked by score, best first; equal scores keep the input order. */
export function ranked(items: readonly RankItem[], scores: readonly number[]): ScoreOutput['scores'] {
  return items
    .map((item, index) => ({ id: item.id, score: round(scores[index] ?? 0), index }))
    .sort((left, right) => right.score - left.score || left.index - right.index)
    .map((entry, position) => ({ id: entry.id, score: entry.score, rank: position + 1 }));
}

async function scoreWithModel(
  input: ScoreInput,
  context: CapabilityContext,
  modelName: string | undefined,
): Promise<ScoreOutput> {
  const scores = ranked(input.items, await judgeRelevance(input.query, input.items, context, modelName));
  await context.emit({ type: 'object-delta', partial: { scores } });
  return { scores, ...modelProvenance(context) };
}

/** `score`, on the local engine unless a model serves it; `options` configures the local engine. */
export function createScoreCapability(options: BuiltinCapabilityOptions = {}) {
  const local = engineOf(options);
  return defineCapability({
    name: 'score',
    version: '1.0.0',
    summary: 'Score items by relevance to a query',
    description:
      'Gives each of up to 1,000 `items` a relevance `score` in 0..1 to `query` and a `rank` (best first). **Engines:** the local engine fuses BM25 and USE-lite embedding similarity on an absolute scale (scores mean the same across calls) and works with no model configured; a model judges the items in batches of 20 through JSON-schema structured output (each batch re-asked when an answer misses an item), reading the first 1,000 characters of each. `model`: `local`, an alias or `provider:model`.',
    input: scoreInputSchema,
    output: scoreOutputSchema,
    examples: [
      {
        summary: 'Rank three passages for a question',
        input: {
          query: 'how does a keel stop a boat drifting sideways',
          items: [
            {
              id: 'a',
              text: 'The keel resists leeway: water pressure on its sides stops the hull sliding downwind.',
            },
            { id: 'b', text: 'Mainsails are hoisted with a halyard and trimmed with the mainsheet.' },
            { id: 'c', text: 'A centreboard is a retractable keel used on dinghies.' },
          ],
          model: 'local',
        },
        output: {
          scores: [
            { id: 'a', score: 0.5532, rank: 1 },
            { id: 'c', score: 0.3736, rank: 2 },
            { id: 'b', score: 0.3187, rank: 3 },
          ],
          engine: 'local',
          model: 'use-lite-512+bm25',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ],
    async run(input, context): Promise<ScoreOutput> {
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'model') return scoreWithModel(input, context, engine.name);
      const result = await local.score(
        { query: input.query, items: input.items },
        { signal: context.signal },
      );
      const scores = result.scores.map(({ id, score, rank }) => ({ id, score, rank }));
      await context.emit({ type: 'object-delta', partial: { scores } });
      return { scores, ...localProvenance(result.model) };
    },
  });
}

export const scoreCapability = createScoreCapability();
