import { z } from 'zod';
import { LOCAL_ENGINE_LIMITS, type LocalEngine } from '../../../local-engine/index.ts';
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
import { MODEL_SCORING, rankItemsSchema } from './score.capability.ts';

/** How many candidates the local engine shortlists for a model to choose from: 3 x k, at least 20. */
export function shortlistSize(k: number, available: number): number {
  return Math.min(available, Math.max(3 * k, 20));
}

export const recommendInputSchema = z
  .object({
    query: z
      .string()
      .trim()
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxItemChars)
      .optional()
      .describe('What to recommend for, in words.'),
    profile: z
      .object({
        text: z
          .string()
          .trim()
          .min(1)
          .max(LOCAL_ENGINE_LIMITS.maxItemChars)
          .optional()
          .describe('The user’s interests, in words.'),
        liked_ids: z
          .array(z.string().min(1).max(256))
          .max(LOCAL_ENGINE_LIMITS.maxItems)
          .optional()
          .describe('Ids of `items` the user liked: they shape the profile and are not recommended again.'),
      })
      .strict()
      .optional(),
    items: rankItemsSchema.describe('The candidates, at most 1,000, with distinct ids.'),
    k: z.number().int().min(1).max(100).default(10).describe('How many items to recommend.'),
    diversity: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('0 = purely by relevance, 1 = as varied as possible.'),
    model: modelChoiceField,
  })
  .strict()
  .superRefine((input, context) => {
    const liked = input.profile?.liked_ids ?? [];
    if (input.query === undefined && input.profile?.text === undefined && liked.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['query'],
        message: 'give a `query`, a `profile.text` or `profile.liked_ids`',
      });
    }
    const ids = new Set(input.items.map((item) => item.id));
    liked.forEach((id, index) => {
      if (!ids.has(id))
        context.addIssue({
          code: 'custom',
          path: ['profile', 'liked_ids', index],
          message: `"${id}" is not among the items`,
        });
    });
  })
  .meta({ id: 'RecommendRequest', title: 'RecommendRequest' });

const recommendationSchema = z.object({
  id: z.string(),
  score: z.number().min(0).max(1).describe('Relevance to the query or profile in 0..1.'),
  reason: z.string().describe('Why it is recommended, in one sentence.'),
});

export const recommendOutputSchema = z
  .object({
    items: z.array(recommendationSchema).describe('At most `k` items, in recommended order.'),
    ...engineFields,
  })
  .meta({ id: 'RecommendResponse', title: 'RecommendResponse' });

type RecommendInput = z.output<typeof recommendInputSchema>;
type RecommendOutput = z.input<typeof recommendOutputSchema>;

function localRequest(input: RecommendInput, k: number) {
  return {
    items: input.items,
    k,
    diversity: input.diversity,
    ...(input.query === undefined ? {} : { query: input.query }),
    ...(input.profile === undefined
      ? {}
      : {
          profile: {
            ...(input.profile.text === undefined ? {} : { text: input.profile.text }),
            ...(input.profile.liked_ids === undefined ? {} : { liked_ids: input.profile.liked_ids }),
          },
        }),
  };
}

export function recommendationPrompt(
  input: RecommendInput,
  candidates: readonly { text: string }[],
  liked: readonly { text: string }[],
  k: number,
): string {
  const wanted = [
    input.query === undefined ? undefined : `Request: ${input.query}`,
    input.profile?.text === undefined ? undefined : `The user's interests: ${input.profile.text}`,
    liked.length === 0
      ? undefined
      : `The user liked:\n${liked.map((item) => `- ${item.text.slice(0, 300).replaceAll('\n', ' ')}`).join('\n')}`,
  ].filter((line) => line !== undefined);
  const listed = candidates
    .map(
      (item, index) => `[${index + 1}] ${item.text.slice(0, MODEL_SCORING.itemChars).replaceAll('\n', ' ')}`,
    )
    .join('\n');
  const variety =
    input.diversity >= 0.5
      ? 'Prefer a varied selection: avoid several items that say the same thing.'
      : input.diversity > 0
        ? 'Order mostly by relevance, but avoid near-duplicates.'
        : 'Order purely by relevance.';
  return `Recommend exactly ${k} of the numbered candidates, best first. ${variety} For each, give its number, its relevance from 0 (unrelated) to 1 (exactly what is wanted), and a one-sentence reason addressed to the user.\n\n${wanted.join('\n')}\n\nCandidates:\n${listed}`;
}

function picksSchema(count: number, k: number) {
  return z.object({
    items: z
      .array(
        z.object({
          item: z.number().int().min(1).max(count),
          score: z.number().min(0).max(1),
          reason: z.string().trim().min(1).max(500),
        }),
      )
      .length(k)
      .refine(
        (picks) => new Set(picks.map((pick) => pick.item)).size === picks.length,
        'an item is recommended twice',
      ),
  });
}

/**
 * The model path: the local engine shortlists (relevance and diversity, as on the local path), then one
 * structured-output call chooses `k`, scores them and says why. Bounded cost: one call whatever the list.
 */
async function recommendWithModel(
  input: RecommendInput,
  context: CapabilityContext,
  modelName: string | undefined,
  local: LocalEngine,
): Promise<RecommendOutput> {
  // Fail before any local work when the model cannot be served.
  if (!context.models.available(modelName)) context.models.language(modelName);
  const likedIds = new Set(input.profile?.liked_ids ?? []);
  const available = input.items.filter((item) => !likedIds.has(item.id)).length;
  if (available === 0) return { items: [], ...modelProvenance(context) };
  const shortlist = await local.recommend(localRequest(input, shortlistSize(input.k, available)), {
    signal: context.signal,
  });
  const byId = new Map(input.items.map((item) => [item.id, item]));
  const candidates = shortlist.items.map((entry) => byId.get(entry.id) ?? { id: entry.id, text: '' });
  const k = Math.min(input.k, candidates.length);
  const { object } = await context.models.object({
    ...variantSystem(context.variant),
    schema: picksSchema(candidates.length, k),
    prompt: recommendationPrompt(
      input,
      candidates,
      input.items.filter((item) => likedIds.has(item.id)),
      k,
    ),
    name: 'recommendations',
    description: `The ${k} recommended candidates, best first, with reasons.`,
    temperature: 0,
    ...(modelName === undefined ? {} : { model: modelName }),
  });
  const items = object.items.map((pick) => ({
    id: candidates[pick.item - 1]?.id ?? '',
    score: Math.round(pick.score * 10_000) / 10_000,
    reason: pick.reason,
  }));
  await context.emit({ type: 'object-delta', partial: { items } });
  return { items, ...modelProvenance(context) };
}

/** `recommend`, on the local engine unless a model serves it; `options` configures the local engine. */
export function createRecommendCapability(options: BuiltinCapabilityOptions = {}) {
  const local = engineOf(options);
  return defineCapability({
    name: 'recommend',
    version: '1.0.0',
    summary: 'Recommend items for a query or a profile',
    description:
      'Picks `k` of up to 1,000 `items` for a `query` and/or a `profile` (interests in words and/or liked item ids, which are never recommended again), trading relevance for variety by `diversity`, each with a `score` in 0..1 and a `reason`. **Engines:** the local engine ranks by fused BM25 + USE-lite similarity and diversifies by MMR, and works with no model configured; with a model, the local engine shortlists 3 x `k` (at least 20) candidates and the model chooses, scores and explains `k` of them in one JSON-schema structured-output call. `model`: `local`, an alias or `provider:model`.',
    input: recommendInputSchema,
    output: recommendOutputSchema,
    examples: [
      {
        summary: 'Two articles for a reader who liked one',
        input: {
          profile: { text: 'offshore sailing and boat maintenance', liked_ids: ['a1'] },
          items: [
            { id: 'a1', text: 'Antifouling your hull before the season' },
            { id: 'a2', text: 'Checking keel bolts for corrosion' },
            { id: 'a3', text: 'Ten recipes for a one-pot dinner' },
            { id: 'a4', text: 'Heavy-weather tactics for offshore passages' },
          ],
          k: 2,
          diversity: 0.5,
          model: 'local',
        },
        output: {
          items: [
            { id: 'a4', score: 0.4974, reason: 'Matches "offshore"' },
            { id: 'a2', score: 0.3618, reason: 'Close in meaning to the request, without shared words' },
          ],
          engine: 'local',
          model: 'use-lite-512+bm25',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ],
    async run(input, context): Promise<RecommendOutput> {
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'model') return recommendWithModel(input, context, engine.name, local);
      const result = await local.recommend(localRequest(input, input.k), { signal: context.signal });
      await context.emit({ type: 'object-delta', partial: { items: result.items } });
      return { items: result.items, ...localProvenance(result.model) };
    },
  });
}

export const recommendCapability = createRecommendCapability();
