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

const labelSchema = z
  .object({
    name: z.string().trim().min(1).max(100).describe('The label, as returned in the output.'),
    description: z.string().trim().min(1).max(1_000).optional().describe('What the label means.'),
    examples: z
      .array(z.string().trim().min(1).max(LOCAL_ENGINE_LIMITS.maxItemChars))
      .max(LOCAL_ENGINE_LIMITS.maxExamplesPerLabel)
      .optional()
      .describe('Texts that carry this label (few-shot examples).'),
  })
  .strict();

export const classifyInputSchema = z
  .object({
    text: z.string().trim().min(1).max(LOCAL_ENGINE_LIMITS.maxTextChars).describe('The text to classify.'),
    labels: z
      .array(labelSchema)
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxLabels)
      .superRefine((labels, context) => {
        const seen = new Set<string>();
        labels.forEach((label, index) => {
          if (seen.has(label.name)) {
            context.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `duplicate label "${label.name}"`,
            });
          }
          seen.add(label.name);
        });
      })
      .describe('The candidate labels, with optional descriptions and examples.'),
    multi_label: z
      .boolean()
      .default(false)
      .describe('`true`: labels are independent, each scored 0..1 on its own; `false`: exactly one applies.'),
    top_k: z
      .number()
      .int()
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxLabels)
      .optional()
      .describe('Return only the best `top_k` labels.'),
    model: modelChoiceField,
  })
  .strict()
  .meta({ id: 'ClassifyRequest', title: 'ClassifyRequest' });

const labelScoreSchema = z.object({ name: z.string(), score: z.number().min(0).max(1) });

export const classifyOutputSchema = z
  .object({
    labels: z
      .array(labelScoreSchema)
      .describe(
        'Best first. Single-label: probabilities summing to 1 over all labels. Multi-label: each its own 0..1.',
      ),
    chosen: z
      .array(z.string())
      .describe(
        'Single-label: the best label. Multi-label: every returned label scoring at least 0.5 (maybe none).',
      ),
    ...engineFields,
  })
  .meta({ id: 'ClassifyResponse', title: 'ClassifyResponse' });

type ClassifyInput = z.output<typeof classifyInputSchema>;
type ClassifyOutput = z.input<typeof classifyOutputSchema>;
type LabelScore = z.output<typeof labelScoreSchema>;

const EXAMPLES_IN_PROMPT = 5;

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

export function classificationPrompt(input: ClassifyInput): string {
  const labels = input.labels
    .map((label) => {
      const lines = [`- ${JSON.stringify(label.name)}${label.description ? `: ${label.description}` : ''}`];
      for (const example of (label.examples ?? []).slice(0, EXAMPLES_IN_PROMPT)) {
        lines.push(`  example: ${JSON.stringify(example.slice(0, 500))}`);
      }
      return lines.join('\n');
    })
    .join('\n');
  const task = input.multi_label
    ? 'Labels are independent: score each one from 0 (clearly does not apply) to 1 (clearly applies); several or none may apply.'
    : 'Exactly one label applies: give each a probability from 0 to 1 that it is the right one; the probabilities should sum to 1.';
  return `Classify the text between <text> tags.\n${task}\nGive a score for every label, by its exact name.\n\nLabels:\n${labels}\n\n<text>\n${input.text}\n</text>`;
}

/** Scores for every label from the model's answer: unknown names were refused by the schema, missing ones score 0. */
export function labelScores(input: ClassifyInput, answered: readonly LabelScore[]): LabelScore[] {
  const byName = new Map<string, number>();
  for (const { name, score } of answered) byName.set(name, Math.max(byName.get(name) ?? 0, score));
  let scores = input.labels.map((label) => ({ name: label.name, score: byName.get(label.name) ?? 0 }));
  if (!input.multi_label) {
    const total = scores.reduce((sum, entry) => sum + entry.score, 0);
    scores = scores.map((entry) => ({
      name: entry.name,
      score: total > 0 ? entry.score / total : 1 / scores.length,
    }));
  }
  // Stable: equal scores keep the order the labels were given in.
  return scores
    .map((entry) => ({ name: entry.name, score: round(entry.score) }))
    .sort((left, right) => right.score - left.score)
    .slice(0, input.top_k ?? scores.length);
}

async function classifyWithModel(
  input: ClassifyInput,
  context: CapabilityContext,
  modelName: string | undefined,
): Promise<ClassifyOutput> {
  const names = input.labels.map((label) => label.name) as [string, ...string[]];
  const schema = z.object({
    labels: z
      .array(z.object({ name: z.enum(names), score: z.number().min(0).max(1) }))
      .min(1)
      .max(names.length * 2),
  });
  const { object } = await context.models.object({
    ...variantSystem(context.variant),
    schema,
    prompt: classificationPrompt(input),
    name: 'classification',
    description: 'A score for every candidate label.',
    temperature: 0,
    ...(modelName === undefined ? {} : { model: modelName }),
  });
  const labels = labelScores(input, object.labels);
  const chosen = input.multi_label
    ? labels.filter((label) => label.score >= 0.5).map((label) => label.name)
    : labels.slice(0, 1).map((label) => label.name);
  await context.emit({ type: 'object-delta', partial: { labels, chosen } });
  return { labels, chosen, ...modelProvenance(context) };
}

/** `classify`, on the local engine unless a model serves it; `options` configures the local engine. */
export function createClassifyCapability(options: BuiltinCapabilityOptions = {}) {
  const local = engineOf(options);
  return defineCapability({
    name: 'classify',
    version: '1.0.0',
    summary: 'Classify a text against your labels',
    description:
      'Scores `text` against `labels` (each a name, optionally a description and examples) and returns them best first with `chosen`. Single-label (default): scores are probabilities summing to 1 and `chosen` is the best label. `multi_label: true`: each label is scored 0..1 on its own and `chosen` holds those at 0.5 or more. **Engines:** the local engine compares the text with label names, descriptions and examples (embeddings, TF-IDF, k-NN and per-label logistic regression when every label has examples) and works with no model configured; a model scores every label through JSON-schema structured output (re-asked when its answer breaks the schema). `model`: `local`, an alias or `provider:model`.',
    input: classifyInputSchema,
    output: classifyOutputSchema,
    examples: [
      {
        summary: 'Route a support message, zero-shot',
        input: {
          text: 'I was charged twice for my subscription this month, please refund one payment.',
          labels: [
            { name: 'billing', description: 'payments, invoices, refunds, charges' },
            { name: 'bug', description: 'something in the product does not work' },
            { name: 'feature request', description: 'asking for something new' },
          ],
          top_k: 2,
        },
        output: {
          labels: [
            { name: 'billing', score: 0.9999 },
            { name: 'bug', score: 0 },
          ],
          chosen: ['billing'],
          engine: 'local',
          model: 'use-lite-512+tfidf',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      {
        summary: 'Several topics at once, with examples',
        input: {
          text: 'The new dashboard is slow to load and the export button does nothing.',
          labels: [
            { name: 'performance', examples: ['The page takes ages to open', 'Search is very slow'] },
            { name: 'bug', examples: ['Clicking save shows an error', 'The button does nothing'] },
            { name: 'billing', examples: ['I was charged twice', 'Where is my invoice?'] },
          ],
          multi_label: true,
          model: 'local',
        },
      },
    ],
    async run(input, context): Promise<ClassifyOutput> {
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'model') return classifyWithModel(input, context, engine.name);
      const result = await local.classify(
        {
          text: input.text,
          labels: input.labels,
          multi_label: input.multi_label,
          ...(input.top_k === undefined ? {} : { top_k: input.top_k }),
        },
        { signal: context.signal },
      );
      await context.emit({ type: 'object-delta', partial: { labels: result.labels, chosen: result.chosen } });
      return { labels: result.labels, chosen: result.chosen, ...localProvenance(result.model) };
    },
  });
}

export const classifyCapability = createClassifyCapability();
