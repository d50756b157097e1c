import { generateText, streamText } from 'ai';
import { z } from 'zod';
import { countWords, LOCAL_ENGINE_LIMITS, splitSentences } from '../../../local-engine/index.ts';
import { AppError, platformErrors } from '../../../platform/errors/index.ts';
import { variantCallSettings, variantSystem } from '../capability-variant.ts';
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

const DEFAULT_SENTENCES = 3;

export const summarizeInputSchema = z
  .object({
    text: z
      .string()
      .trim()
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxTextChars)
      .optional()
      .describe('The text to summarise. Give either `text` or `document_id`.'),
    document_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        'A stored document (`GET /v1/documents/{id}`, status `ready`) to summarise instead of `text`.',
      ),
    max_sentences: z
      .number()
      .int()
      .min(1)
      .max(50)
      .optional()
      .describe('At most this many sentences (bullets). Default 3 when `max_words` is not given either.'),
    max_words: z
      .number()
      .int()
      .min(1)
      .max(2_000)
      .optional()
      .describe(
        'At most this many words (whitespace-separated chunks with a letter or digit); never exceeded.',
      ),
    style: z
      .enum(['paragraph', 'bullets'])
      .default('paragraph')
      .describe('`paragraph`: running text; `bullets`: one `- ` line per point.'),
    focus: z
      .string()
      .trim()
      .min(1)
      .max(1_000)
      .optional()
      .describe('A question or topic the summary should favour.'),
    model: modelChoiceField,
  })
  .strict()
  .superRefine((input, issues) => {
    if ((input.text === undefined) === (input.document_id === undefined)) {
      issues.addIssue({
        code: 'custom',
        path: input.text === undefined ? ['text'] : ['document_id'],
        message: 'give either `text` or `document_id`, not both and not neither',
      });
    }
  })
  .meta({ id: 'SummarizeRequest', title: 'SummarizeRequest' });

export const summarizeOutputSchema = z
  .object({
    summary: z.string().describe('The summary, within both length bounds.'),
    key_points: z.array(z.string()).describe('The summary’s sentences (or bullets), most important first.'),
    sentence_count: z.number().int().min(0),
    word_count: z.number().int().min(0),
    truncated: z
      .boolean()
      .describe(
        'True when text had to be cut to fit the bounds (a sentence cut short, or a model’s extra text).',
      ),
    ...engineFields,
  })
  .meta({ id: 'SummarizeResponse', title: 'SummarizeResponse' });

/** The input with the text to summarise resolved (given, or read from the stored document). */
type SummarizeInput = z.output<typeof summarizeInputSchema> & { readonly text: string };
type SummarizeOutput = z.input<typeof summarizeOutputSchema>;

const WORD = /[\p{L}\p{N}]/u;

/** The longest prefix of `text` holding at most `maxWords` words, counted like `countWords`. */
export function cutToWords(text: string, maxWords: number): { text: string; cut: boolean } {
  let count = 0;
  for (const match of text.matchAll(/\S+/gu)) {
    if (!WORD.test(match[0])) continue;
    count++;
    if (count === maxWords) {
      const end = match.index + match[0].length;
      return { text: text.slice(0, end), cut: WORD.test(text.slice(end)) };
    }
  }
  return { text, cut: false };
}

/** The prefix of bullet text holding at most `maxLines` non-empty lines. */
function cutToLines(text: string, maxLines: number): { text: string; cut: boolean } {
  let seen = 0;
  let index = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '') seen++;
    const end = index + line.length;
    if (seen === maxLines && end < text.length) {
      return { text: text.slice(0, end), cut: text.slice(end).trim() !== '' };
    }
    index = end + 1;
  }
  return { text, cut: false };
}

/** The prefix of running text holding at most `maxSentences` sentences (wink-nlp's sentence boundaries). */
function cutToSentences(text: string, maxSentences: number): { text: string; cut: boolean } {
  const sentences = splitSentences(text);
  if (sentences.length <= maxSentences) return { text, cut: false };
  let position = 0;
  for (const sentence of sentences.slice(0, maxSentences)) {
    const found = text.indexOf(sentence, position);
    // wink normalised something: keep the whole text rather than guess where the sentence ends.
    if (found === -1) return { text, cut: false };
    position = found + sentence.length;
  }
  return { text: text.slice(0, position), cut: true };
}

function bullet(line: string): string {
  return line.replace(/^\s*(?:[-*•]|\d+[.)])\s+/u, '').trim();
}

function lengthInstruction(input: SummarizeInput): string {
  const parts: string[] = [];
  const unit = input.style === 'bullets' ? 'bullet points' : 'sentences';
  if (input.max_sentences !== undefined) parts.push(`at most ${input.max_sentences} ${unit}`);
  if (input.max_words !== undefined) parts.push(`at most ${input.max_words} words in total`);
  if (parts.length === 0) parts.push(`at most ${DEFAULT_SENTENCES} ${unit}`);
  return parts.join(' and ');
}

export function summaryPrompt(input: SummarizeInput): string {
  const format =
    input.style === 'bullets'
      ? 'Write one point per line, each line starting with "- ".'
      : 'Write one paragraph of plain sentences.';
  const focus = input.focus === undefined ? '' : `\nFavour what the text says about: ${input.focus}`;
  return `Summarise the text between <text> tags in ${lengthInstruction(input)}. ${format} Answer with the summary only, no preamble, no title.${focus}\n\n<text>\n${input.text}\n</text>`;
}

/**
 * The model path. When the caller reads events live, the text streams as `text-delta` parts, cut to the
 * word (and bullet) bounds as it arrives, so the streamed text is always a prefix of the final summary;
 * the sentence bound of running text is applied at the end, which can only shorten it further. Otherwise
 * one plain call, and the final summary as one `text-delta`.
 */
async function summarizeWithModel(
  input: SummarizeInput,
  context: CapabilityContext,
  modelName: string | undefined,
): Promise<SummarizeOutput> {
  const model = context.models.language(modelName);
  const maxSentences = input.max_sentences ?? (input.max_words === undefined ? DEFAULT_SENTENCES : undefined);
  const bounded = (text: string): { text: string; cut: boolean } => {
    let cut = false;
    let current = text.trimStart();
    if (input.max_words !== undefined) {
      const words = cutToWords(current, input.max_words);
      current = words.text;
      cut ||= words.cut;
    }
    if (input.style === 'bullets' && maxSentences !== undefined) {
      const lines = cutToLines(current, maxSentences);
      current = lines.text;
      cut ||= lines.cut;
    }
    return { text: current, cut };
  };
  const wordBudget = input.max_words ?? (maxSentences ?? DEFAULT_SENTENCES) * 40;
  const call = {
    model,
    prompt: summaryPrompt(input),
    ...variantSystem(context.variant),
    ...temperatureOf(context),
    maxOutputTokens: Math.min(4_096, Math.ceil(wordBudget * 2) + 32),
    abortSignal: context.signal,
    // Keel's gateway owns retries (one loop, not one per layer).
    maxRetries: 0,
  };
  let raw = '';
  let emitted = 0;
  if (context.streaming !== true) raw = (await generateText(call)).text;
  // Errors arrive as stream parts and are rethrown below.
  const stream = context.streaming === true ? streamText({ ...call, onError: () => {} }).fullStream : [];
  for await (const part of stream) {
    if (part.type === 'error') throw part.error;
    // An aborted stream ends quietly: never pass a cut-off summary on as a result.
    if (part.type === 'abort') context.signal.throwIfAborted();
    if (part.type !== 'text-delta') continue;
    raw += part.text;
    const prefix = bounded(raw).text;
    if (prefix.length > emitted) {
      await context.emit({ type: 'text-delta', delta: prefix.slice(emitted) });
      emitted = prefix.length;
    }
  }
  context.signal.throwIfAborted();
  const byLength = bounded(raw);
  let summary = byLength.text.trimEnd();
  let truncated = byLength.cut;
  if (input.style === 'paragraph' && maxSentences !== undefined) {
    const sentences = cutToSentences(summary, maxSentences);
    summary = sentences.text.trimEnd();
    truncated ||= sentences.cut;
  }
  if (context.streaming !== true && summary !== '')
    await context.emit({ type: 'text-delta', delta: summary });
  const keyPoints =
    input.style === 'bullets'
      ? summary
          .split('\n')
          .map(bullet)
          .filter((line) => line !== '')
      : splitSentences(summary);
  return {
    summary,
    key_points: keyPoints,
    sentence_count: keyPoints.length,
    word_count: countWords(summary),
    truncated,
    ...modelProvenance(context),
  };
}

/** A variant's temperature setting (its length settings are the capability's own: the bounds decide). */
function temperatureOf(context: CapabilityContext): { temperature?: number } {
  const { temperature } = variantCallSettings(context.variant);
  return temperature === undefined ? {} : { temperature };
}

async function documentText(
  options: BuiltinCapabilityOptions,
  context: CapabilityContext,
  documentId: string | undefined,
): Promise<string> {
  if (documentId === undefined || options.documents === undefined) {
    throw new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
      detail: 'This deployment cannot read stored documents: give `text`.',
      errors: [
        { pointer: '/body/document_id', message: 'documents are not available here', code: 'unsupported' },
      ],
    });
  }
  return (await options.documents.documentText(context.tenantId, documentId)).text;
}

/** `summarize`, on the local engine unless a model serves it; `options` configures the local engine. */
export function createSummarizeCapability(options: BuiltinCapabilityOptions = {}) {
  const local = engineOf(options);
  return defineCapability({
    name: 'summarize',
    version: '1.0.0',
    summary: 'Summarise a text within a length bound',
    description:
      'Summarises `text` in at most `max_sentences` sentences and/or `max_words` words (default 3 sentences), as a paragraph or bullets, optionally favouring a `focus`. The bounds are never exceeded. **Engines:** the local engine picks sentences from the text (extractive: position, centrality, focus relevance, redundancy control) and works with no model configured; a model writes an abstractive summary, streamed as `text-delta` parts and cut to the bounds. `model` chooses: `local`, an alias or `provider:model`; omitted, `models.routes.summarize`, else the default model, else the local engine.',
    input: summarizeInputSchema,
    output: summarizeOutputSchema,
    examples: [
      {
        summary: 'Two bullets, on the local engine',
        input: {
          text: 'The keel is the backbone of a sailing boat. It runs along the bottom of the hull from bow to stern. A keel keeps the boat from being pushed sideways by the wind. Heavy keels also carry ballast, which keeps the boat upright. Some small boats use a removable centreboard instead.',
          max_sentences: 2,
          style: 'bullets',
          model: 'local',
        },
        output: {
          summary:
            '- The keel is the backbone of a sailing boat.\n- Heavy keels also carry ballast, which keeps the boat upright.',
          key_points: [
            'The keel is the backbone of a sailing boat.',
            'Heavy keels also carry ballast, which keeps the boat upright.',
          ],
          sentence_count: 2,
          word_count: 19,
          truncated: false,
          engine: 'local',
          model: 'use-lite-512+extractive',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      {
        summary: 'At most 25 words, favouring a topic, on the configured model',
        input: {
          text: 'Quarterly revenue rose 12% to $4.1M, driven by the new enterprise plan. Churn fell to 2.1%. Hiring was paused in support while the self-service help centre launched.',
          max_words: 25,
          focus: 'revenue',
        },
      },
    ],
    async run(request, context): Promise<SummarizeOutput> {
      const input = {
        ...request,
        text: request.text ?? (await documentText(options, context, request.document_id)),
      };
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'model') return summarizeWithModel(input, context, engine.name);
      const result = await local.summarize(
        {
          text: input.text,
          style: input.style,
          ...(input.max_sentences === undefined ? {} : { max_sentences: input.max_sentences }),
          ...(input.max_words === undefined ? {} : { max_words: input.max_words }),
          ...(input.focus === undefined ? {} : { focus: input.focus }),
        },
        { signal: context.signal },
      );
      // The whole summary is known at once: one truthful delta, not a simulated token stream.
      if (result.summary !== '') await context.emit({ type: 'text-delta', delta: result.summary });
      return {
        summary: result.summary,
        key_points: result.key_points,
        sentence_count: result.sentence_count,
        word_count: result.word_count,
        truncated: result.truncated,
        ...localProvenance(result.model),
      };
    },
  });
}

export const summarizeCapability = createSummarizeCapability();
