import { sharedLocalEmbedder } from '../embedding/local-embedder.ts';
import { centroid, cosine } from '../embedding/vectors.ts';
import { ensureTextWithinLimit, invalidInput, signalOption } from '../guards.ts';
import { Bm25Index } from '../lexical/bm25.ts';
import { documentFrequencies, sparseCosine, tfidfVector } from '../lexical/tfidf.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import type { LocalEngineOptions } from '../options.ts';
import { type EngineProvenance, provenance } from '../provenance.ts';
import { selectByMmr } from '../rank/mmr.ts';
import { analyzeSentences, countWords, lexicalTerms } from '../text/analyze.ts';
import { looksLikeMarkdown, markdownBlocks } from '../text/markdown-structure.ts';

export interface SummarizeRequest {
  readonly text: string;
  /** At most this many sentences (default 3 when neither bound is given). */
  readonly max_sentences?: number;
  /** At most this many words, counted by `countWords`; never exceeded. */
  readonly max_words?: number;
  readonly style?: 'paragraph' | 'bullets';
  /** A question or topic the summary should favour. */
  readonly focus?: string;
}

export interface SummaryResult extends EngineProvenance {
  readonly summary: string;
  /** The chosen sentences, most important first. */
  readonly key_points: string[];
  readonly sentence_count: number;
  readonly word_count: number;
  /** True when one sentence had to be cut to fit `max_words`. */
  readonly truncated: boolean;
}

/**
 * Feature weights of a sentence's salience, chosen on 300 Reuters stories against Lead-3 and checked on
 * stories and READMEs they were not chosen on (bench/quality.ts; decision 0196).
 */
export const SUMMARY_WEIGHTS = Object.freeze({
  position: 0.6,
  centrality: 0.4,
  focus: 0.8,
  /** Share of a sentence's terms that its Markdown headings hold. */
  headings: 0.2,
  /** MMR trade-off: 1 = salience only. */
  lambda: 0.85,
  /** Position weight 1 / (1 + index)^decay: the opening sentence leads, the rest compete on content. */
  positionDecay: 3,
  /** Sentences longer than this many words weigh (words / longSentence)^-lengthExponent. */
  longSentence: 10,
  lengthExponent: 0.75,
});

const ELLIPSIS = '…';

function maxNormalised(values: readonly number[]): number[] {
  const max = Math.max(0, ...values);
  return values.map((value) => (max > 0 ? value / max : 0));
}

function firstWords(sentence: string, limit: number): string {
  const chunks = sentence.split(/\s+/u).filter((chunk) => chunk.length > 0);
  const kept: string[] = [];
  let words = 0;
  for (const chunk of chunks) {
    const isWord = /[\p{L}\p{N}]/u.test(chunk);
    if (isWord && words === limit) break;
    kept.push(chunk);
    if (isWord) words++;
  }
  return `${kept.join(' ').replace(/[\s,;:.!?-]+$/u, '')}${ELLIPSIS}`;
}

/**
 * The prose a summary is made of. Markdown is read by its structure: headings guide the choice and are
 * never quoted as sentences (nor glued to the sentence after them); front matter, code and tables are not
 * prose. Exported so the benchmark's Lead-k baselines read the same sentences.
 */
export function summaryProse(text: string): { prose: string; headings: string[] } {
  if (!looksLikeMarkdown(text)) return { prose: text, headings: [] };
  const blocks = markdownBlocks(text);
  return {
    prose: blocks
      .filter((block) => block.kind === 'paragraph' || block.kind === 'item')
      .map((block) => block.text)
      .join('\n\n'),
    headings: blocks.filter((block) => block.kind === 'heading').map((block) => block.text),
  };
}

/**
 * Extractive summary: sentences scored by position, centrality (TF-IDF and, when available, USE-lite
 * similarity to the whole text) and an optional focus query, then picked by MMR so they do not repeat
 * each other, until the sentence or word bound is reached. Sentences keep their original order.
 */
export async function summarize(
  request: SummarizeRequest,
  options: LocalEngineOptions = {},
): Promise<SummaryResult> {
  const { text, focus } = request;
  ensureTextWithinLimit(text);
  if (focus !== undefined) ensureTextWithinLimit(focus, 'focus');
  const maxWords = request.max_words;
  const maxSentences = request.max_sentences ?? (maxWords === undefined ? 3 : Number.POSITIVE_INFINITY);
  if (maxWords !== undefined && (!Number.isInteger(maxWords) || maxWords < 1)) {
    throw invalidInput('max_words must be an integer >= 1');
  }
  if (maxSentences !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxSentences) || maxSentences < 1)) {
    throw invalidInput('max_sentences must be an integer >= 1');
  }
  options.signal?.throwIfAborted();

  const { prose, headings } = summaryProse(text);
  const headingTerms = new Set(lexicalTerms(headings.join('. ')));
  const sentences = analyzeSentences(prose);
  const count = sentences.length;
  const embedder =
    options.embedder === null || count > LOCAL_ENGINE_LIMITS.maxEmbeddedSentences || count < 2
      ? undefined
      : (options.embedder ?? sharedLocalEmbedder());
  if (count === 0) {
    return {
      ...provenance(undefined, 'extractive'),
      summary: '',
      key_points: [],
      sentence_count: 0,
      word_count: 0,
      truncated: false,
    };
  }
  options.signal?.throwIfAborted();

  const termLists = sentences.map((sentence) => sentence.terms);
  const frequencies = documentFrequencies(termLists);
  const sparse = termLists.map((terms) => tfidfVector(terms, frequencies, count));
  const whole = tfidfVector(termLists.flat(), frequencies, count);
  const lexicalCentrality = sparse.map((vector) => sparseCosine(vector, whole));

  let vectors: Float32Array[] | undefined;
  let semanticCentrality: number[] | undefined;
  if (embedder !== undefined) {
    vectors = await embedder.embed(
      sentences.map((sentence) => sentence.text),
      signalOption(options.signal),
    );
    const middle = centroid(vectors, embedder.dimensions);
    semanticCentrality = vectors.map((vector) => cosine(vector, middle));
  }
  const centrality = maxNormalised(
    lexicalCentrality.map((value, index) =>
      semanticCentrality === undefined ? value : 0.5 * value + 0.5 * (semanticCentrality[index] ?? 0),
    ),
  );

  let focusScores: number[] | undefined;
  if (focus !== undefined && focus.trim().length > 0) {
    const index = new Bm25Index(termLists);
    const focusTerms = lexicalTerms(focus);
    const reference = index.referenceScore(focusTerms);
    const bm25 = Array.from(index.score(focusTerms), (score) =>
      reference > 0 ? Math.min(1, score / reference) : 0,
    );
    if (vectors !== undefined && embedder !== undefined) {
      const [focusVector] = await embedder.embed([focus], signalOption(options.signal));
      focusScores = bm25.map(
        (score, i) =>
          0.5 * score + 0.5 * Math.max(0, cosine(focusVector as Float32Array, vectors?.[i] as Float32Array)),
      );
    } else {
      focusScores = bm25;
    }
    focusScores = maxNormalised(focusScores);
  }

  const salience = sentences.map((sentence, index) => {
    const position = (1 + index) ** -SUMMARY_WEIGHTS.positionDecay;
    const words = countWords(sentence.text);
    // Headings, sign-offs and fragments rarely carry a summary; long sentences spend the reader's words
    // on detail, so a sentence weighs less the longer it is past a short one.
    const brevity =
      words < 4
        ? 0.5
        : words > SUMMARY_WEIGHTS.longSentence
          ? (SUMMARY_WEIGHTS.longSentence / words) ** SUMMARY_WEIGHTS.lengthExponent
          : 1;
    const headed =
      headingTerms.size === 0 || sentence.terms.length === 0
        ? 0
        : sentence.terms.filter((term) => headingTerms.has(term)).length / sentence.terms.length;
    const base =
      SUMMARY_WEIGHTS.position * position +
      SUMMARY_WEIGHTS.centrality * (centrality[index] ?? 0) +
      SUMMARY_WEIGHTS.headings * headed;
    const focused =
      focusScores === undefined ? base : base + SUMMARY_WEIGHTS.focus * (focusScores[index] ?? 0);
    return focused * brevity;
  });

  const similarity = (left: number, right: number) =>
    vectors !== undefined
      ? Math.max(0, cosine(vectors[left] as Float32Array, vectors[right] as Float32Array))
      : sparseCosine(sparse[left] ?? new Map(), sparse[right] ?? new Map());
  const order = selectByMmr(salience, similarity, count, SUMMARY_WEIGHTS.lambda, options.signal);

  const chosen: number[] = [];
  let wordsUsed = 0;
  for (const index of order) {
    if (chosen.length >= maxSentences) break;
    const words = countWords(sentences[index]?.text ?? '');
    if (maxWords !== undefined && wordsUsed + words > maxWords) continue;
    // A near-duplicate of a chosen sentence adds words, not information.
    if (chosen.some((other) => similarity(index, other) > 0.92)) continue;
    chosen.push(index);
    wordsUsed += words;
  }

  let truncated = false;
  let points: string[];
  if (chosen.length === 0) {
    // Every sentence is longer than max_words: cut the most salient one.
    truncated = true;
    const best = order[0] ?? 0;
    chosen.push(best);
    points = [firstWords(sentences[best]?.text ?? '', maxWords ?? 1)];
  } else {
    points = chosen.map((index) => sentences[index]?.text ?? '');
  }
  const byPosition = chosen
    .map((index, position) => ({ index, text: points[position] ?? '' }))
    .sort((left, right) => left.index - right.index)
    .map((entry) => entry.text);
  const summary =
    request.style === 'bullets' ? byPosition.map((point) => `- ${point}`).join('\n') : byPosition.join(' ');
  return {
    ...provenance(vectors === undefined ? undefined : embedder?.modelId, 'extractive'),
    summary,
    key_points: points,
    sentence_count: points.length,
    word_count: countWords(summary),
    truncated,
  };
}
