import { createHash } from 'node:crypto';
import { sharedLocalEmbedder } from '../embedding/local-embedder.ts';
import { LruCache } from '../embedding/lru-cache.ts';
import { centroid, cosine } from '../embedding/vectors.ts';
import { ensureCountWithinLimit, ensureTextWithinLimit, invalidInput, signalOption } from '../guards.ts';
import { documentFrequencies, type SparseVector, sparseCosine, tfidfVector } from '../lexical/tfidf.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import type { LocalEngineOptions } from '../options.ts';
import { type EngineProvenance, provenance } from '../provenance.ts';
import { lexicalTerms } from '../text/analyze.ts';
import {
  characterGrams,
  type FeatureSpace,
  featureSpace,
  type LogisticModel,
  type SparseLogisticModel,
  trainLogistic,
  trainSparseLogistic,
  wordFeatures,
} from './few-shot.ts';

export interface LabelDefinition {
  readonly name: string;
  readonly description?: string;
  readonly examples?: readonly string[];
}

export interface ClassifyRequest {
  readonly text: string;
  readonly labels: readonly LabelDefinition[];
  /** Labels are independent (each scored on its own) instead of mutually exclusive. Default false. */
  readonly multi_label?: boolean;
  /** Return only the best `top_k` labels. Default: all. */
  readonly top_k?: number;
}

export interface LabelScore {
  readonly name: string;
  /** Single-label: a probability (the scores of all labels sum to 1). Multi-label: each label's own 0..1. */
  readonly score: number;
}

export interface ClassificationResult extends EngineProvenance {
  /** Best first, at most `top_k`. */
  readonly labels: LabelScore[];
  /** Single-label: the best label. Multi-label: every returned label scoring >= 0.5 (maybe none). */
  readonly chosen: string[];
}

/**
 * Evidence weights and calibration constants, measured on SpamAssassin in bench/quality.ts. Similarities
 * mix embedding cosine (weight `semantic`) and TF-IDF cosine; the single-label softmax temperature and
 * the multi-label logistic (midpoint, slope) turn them into 0..1 scores.
 */
export const CLASSIFY_SETTINGS = Object.freeze({
  semantic: 0.5,
  neighbours: 10,
  /** Share of the k-NN vote (vs. centroid similarity) when examples exist. */
  vote: 0.5,
  temperature: 0.04,
  multiLabelMidpoint: 0.35,
  multiLabelSlope: 0.06,
  /** Gradient descent of every few-shot regression (run to convergence: 300 steps at rate 1 underfit). */
  training: Object.freeze({ steps: 1_000, learningRate: 4, l2: 0.001 }),
  /** Weight of the word regression in the single-label average (embedding and n-gram regressions: 1). */
  wordWeight: 2,
});

function labelPrompt(label: LabelDefinition): string {
  const name = label.name.replace(/[_-]+/gu, ' ').replace(/([a-z])([A-Z])/gu, '$1 $2');
  return label.description === undefined ? name : `${name}: ${label.description}`;
}

function softmax(values: readonly number[], temperature: number): number[] {
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp((value - max) / temperature));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

interface Example {
  readonly label: number;
  readonly sparse: SparseVector;
  readonly vector: Float32Array | undefined;
}

interface PreparedLabels {
  readonly labels: readonly LabelDefinition[];
  readonly frequencies: ReadonlyMap<string, number>;
  readonly documentCount: number;
  readonly promptSparse: readonly SparseVector[];
  readonly promptVectors: readonly Float32Array[] | undefined;
  readonly examples: readonly Example[];
  readonly lexicalCentroids: readonly (SparseVector | undefined)[];
  readonly semanticCentroids: readonly (Float32Array | undefined)[];
  /** Present when every label has examples: the few-shot learners. */
  readonly fewShot: FewShot | undefined;
  readonly strategy: FewShotStrategy;
}

/**
 * How single-label scores are made when every label has examples: `similarity` (centroid similarity
 * + k-NN vote over words and embeddings), `learners` (character n-gram k-NN + embedding logistic
 * regression), or `ensemble` (the average of both distributions).
 */
export type FewShotStrategy = 'similarity' | 'learners' | 'ensemble';
export const DEFAULT_FEW_SHOT: FewShotStrategy = 'learners';

export interface ClassifierOptions extends LocalEngineOptions {
  readonly fewShot?: FewShotStrategy;
}

/** Examples x labels up to which the one-vs-rest regressions are trained. */
const MAX_TRAINING_PAIRS = 2_000;

/**
 * Non-zero entries of a sparse view's example rows x its regressions, up to which that view is trained
 * (1,000 steps over 2 million entries take a few seconds on one core; 100 e-mails' character n-grams
 * are ~0.8 million, their words ~0.02 million).
 */
const MAX_SPARSE_TRAINING_ENTRIES = 2_000_000;

/** One-vs-rest logistic regressions over one sparse view of the texts (words or character n-grams). */
interface SparseLearner {
  readonly space: FeatureSpace;
  readonly features: (text: string) => string[];
  /** Its weight in the single-label average (the embedding regression weighs 1). */
  readonly weight: number;
  readonly models: readonly SparseLogisticModel[];
}

interface FewShot {
  readonly gramFrequencies: ReadonlyMap<string, number>;
  readonly gramDocuments: number;
  readonly exampleGrams: readonly SparseVector[];
  /** One-vs-rest logistic regressions on the example embeddings (one per label), if embeddings are on. */
  readonly models: readonly LogisticModel[] | undefined;
  /** Logistic regressions on the examples' words and character n-grams (each within its bound). */
  readonly lexical: readonly SparseLearner[] | undefined;
}

/**
 * Trains one view's one-vs-rest regressions, or returns undefined when its cost (non-zero entries of the
 * example rows x regressions) exceeds the bound. Two labels need one regression: the other is its complement.
 */
function sparseLearner(
  lists: readonly (readonly string[])[],
  targets: readonly number[],
  labelCount: number,
  features: (text: string) => string[],
): SparseLearner | undefined {
  const space = featureSpace(lists);
  const rows = lists.map((list) => space.row(list));
  const regressions = labelCount === 2 ? 1 : labelCount;
  const entries = rows.reduce((sum, row) => sum + row.indices.length, 0) * regressions;
  if (entries > MAX_SPARSE_TRAINING_ENTRIES) return undefined;
  const train = (labelIndex: number) =>
    trainSparseLogistic(
      rows,
      targets.map((target) => (target === labelIndex ? 1 : 0)),
      space.size,
      CLASSIFY_SETTINGS.training,
    );
  if (labelCount === 2) {
    const first = train(0);
    return {
      space,
      features,
      weight: 1,
      models: [first, { probability: (row) => 1 - first.probability(row) }],
    };
  }
  return {
    space,
    features,
    weight: 1,
    models: Array.from({ length: labelCount }, (_, index) => train(index)),
  };
}

function prepareFewShot(
  labels: readonly LabelDefinition[],
  examples: readonly Example[],
  exampleTexts: readonly { readonly example: string }[],
): FewShot | undefined {
  if (labels.length < 2 || labels.some((label) => (label.examples?.length ?? 0) === 0)) return undefined;
  const grams = exampleTexts.map(({ example }) => characterGrams(example));
  const gramFrequencies = documentFrequencies(grams);
  const gramDocuments = grams.length + 1;
  const vectors = examples.map((example) => example.vector);
  // Training cost grows with examples x labels (one-vs-rest): beyond the bound, k-NN alone decides.
  const models =
    vectors.every((vector) => vector !== undefined) && examples.length * labels.length <= MAX_TRAINING_PAIRS
      ? labels.map((_, labelIndex) =>
          trainLogistic(
            vectors as Float32Array[],
            examples.map((example) => (example.label === labelIndex ? 1 : 0)),
            CLASSIFY_SETTINGS.training,
          ),
        )
      : undefined;
  const withinBound = examples.length * labels.length <= MAX_TRAINING_PAIRS;
  const targets = examples.map((example) => example.label);
  const words = withinBound
    ? sparseLearner(
        exampleTexts.map(({ example }) => wordFeatures(example)),
        targets,
        labels.length,
        wordFeatures,
      )
    : undefined;
  const characters = withinBound ? sparseLearner(grams, targets, labels.length, characterGrams) : undefined;
  const lexical = [
    ...(words === undefined ? [] : [{ ...words, weight: CLASSIFY_SETTINGS.wordWeight }]),
    ...(characters === undefined ? [] : [characters]),
  ];
  return {
    gramFrequencies,
    gramDocuments,
    exampleGrams: grams.map((list) => tfidfVector(list, gramFrequencies, gramDocuments)),
    models,
    lexical: lexical.length === 0 ? undefined : lexical,
  };
}

function validateLabels(labels: readonly LabelDefinition[]): void {
  if (labels.length === 0) throw invalidInput('give at least one label');
  ensureCountWithinLimit(labels.length, 'labels', LOCAL_ENGINE_LIMITS.maxLabels);
  const names = new Set<string>();
  for (const label of labels) {
    if (label.name.trim().length === 0) throw invalidInput('label names must not be empty');
    if (names.has(label.name)) throw invalidInput(`label "${label.name}" is given twice`);
    names.add(label.name);
    ensureCountWithinLimit(
      label.examples?.length ?? 0,
      `examples for "${label.name}"`,
      LOCAL_ENGINE_LIMITS.maxExamplesPerLabel,
    );
    ensureTextWithinLimit(
      labelPrompt(label),
      `description of "${label.name}"`,
      LOCAL_ENGINE_LIMITS.maxItemChars,
    );
    for (const example of label.examples ?? []) {
      ensureTextWithinLimit(example, `an example of "${label.name}"`, LOCAL_ENGINE_LIMITS.maxItemChars);
    }
  }
}

/** A classifier for a fixed label set: labels and examples are analysed and embedded once. */
export interface LabelClassifier {
  classify(
    request: Omit<ClassifyRequest, 'labels'>,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<ClassificationResult>;
}

/**
 * Prepares a classifier for a label set (validated, tokenised, embedded), for classifying many texts
 * against the same labels; `classify` is this plus one call.
 */
export async function prepareClassifier(
  labels: readonly LabelDefinition[],
  options: ClassifierOptions = {},
): Promise<LabelClassifier> {
  validateLabels(labels);
  options.signal?.throwIfAborted();
  const embedder = options.embedder === null ? undefined : (options.embedder ?? sharedLocalEmbedder());
  const prompts = labels.map(labelPrompt);
  const exampleTexts = labels.flatMap((label, index) =>
    (label.examples ?? []).map((example) => ({ label: index, example })),
  );
  const promptTerms = prompts.map(lexicalTerms);
  const exampleTerms: string[][] = [];
  for (const { example } of exampleTexts) {
    if (exampleTerms.length % 64 === 0) options.signal?.throwIfAborted();
    exampleTerms.push(lexicalTerms(example));
  }
  const corpus = [...promptTerms, ...exampleTerms];
  const frequencies = documentFrequencies(corpus);
  // +1: the text being classified is part of the collection its IDF is computed on.
  const documentCount = corpus.length + 1;
  let promptVectors: Float32Array[] | undefined;
  let exampleVectors: Float32Array[] | undefined;
  if (embedder !== undefined) {
    const vectors = await embedder.embed(
      [...prompts, ...exampleTexts.map(({ example }) => example)],
      signalOption(options.signal),
    );
    promptVectors = vectors.slice(0, prompts.length);
    exampleVectors = vectors.slice(prompts.length);
  }
  const examples: Example[] = exampleTexts.map(({ label }, index) => ({
    label,
    sparse: tfidfVector(exampleTerms[index] ?? [], frequencies, documentCount),
    vector: exampleVectors?.[index],
  }));
  const lexicalCentroids = labels.map((_, labelIndex) => {
    const own = examples.filter((example) => example.label === labelIndex);
    if (own.length === 0) return undefined;
    const sum = new Map<string, number>();
    for (const example of own)
      for (const [term, weight] of example.sparse) sum.set(term, (sum.get(term) ?? 0) + weight);
    let norm = 0;
    for (const weight of sum.values()) norm += weight * weight;
    norm = Math.sqrt(norm) || 1;
    for (const [term, weight] of sum) sum.set(term, weight / norm);
    return sum;
  });
  const semanticCentroids = labels.map((_, labelIndex) => {
    const own = examples.filter((example) => example.label === labelIndex && example.vector !== undefined);
    return own.length === 0 || embedder === undefined
      ? undefined
      : centroid(
          own.map((example) => example.vector as Float32Array),
          embedder.dimensions,
        );
  });
  const prepared: PreparedLabels = {
    labels,
    frequencies,
    documentCount,
    promptSparse: promptTerms.map((terms) => tfidfVector(terms, frequencies, documentCount)),
    promptVectors,
    examples,
    lexicalCentroids,
    semanticCentroids,
    fewShot: prepareFewShot(labels, examples, exampleTexts),
    strategy: options.fewShot ?? DEFAULT_FEW_SHOT,
  };
  return {
    classify: async (request, callOptions = {}) => {
      ensureTextWithinLimit(request.text);
      const topK = request.top_k ?? labels.length;
      if (!Number.isInteger(topK) || topK < 1) throw invalidInput('top_k must be an integer >= 1');
      callOptions.signal?.throwIfAborted();
      const textVector =
        embedder === undefined
          ? undefined
          : (await embedder.embed([request.text], signalOption(callOptions.signal)))[0];
      return scoreLabels(prepared, request, topK, lexicalTerms(request.text), textVector, embedder?.modelId);
    },
  };
}

function scoreLabels(
  prepared: PreparedLabels,
  request: Omit<ClassifyRequest, 'labels'>,
  topK: number,
  textTerms: readonly string[],
  textVector: Float32Array | undefined,
  embedderModel: string | undefined,
): ClassificationResult {
  const { labels, examples } = prepared;
  const textSparse = tfidfVector(textTerms, prepared.frequencies, prepared.documentCount);
  const semanticWeight = textVector === undefined ? 0 : CLASSIFY_SETTINGS.semantic;
  const mix = (semanticSimilarity: number, lexicalSimilarity: number) =>
    semanticWeight * semanticSimilarity + (1 - semanticWeight) * lexicalSimilarity;

  // Similarity of the text to each label: to its examples' centroid when it has examples, else to its prompt.
  const similarity = labels.map((_, labelIndex) => {
    const promptVector = prepared.promptVectors?.[labelIndex];
    const promptSimilarity = mix(
      textVector && promptVector ? cosine(textVector, promptVector) : 0,
      sparseCosine(textSparse, prepared.promptSparse[labelIndex] ?? new Map()),
    );
    const lexicalCentroid = prepared.lexicalCentroids[labelIndex];
    if (lexicalCentroid === undefined) return promptSimilarity;
    const semanticCentroid = prepared.semanticCentroids[labelIndex];
    const semanticSimilarity = textVector && semanticCentroid ? cosine(textVector, semanticCentroid) : 0;
    return (
      0.85 * mix(semanticSimilarity, sparseCosine(textSparse, lexicalCentroid)) + 0.15 * promptSimilarity
    );
  });

  // k-NN vote over all examples, weighted by similarity.
  let vote: number[] | undefined;
  if (examples.length > 0) {
    const neighbours = examples
      .map((example) => ({
        label: example.label,
        similarity: mix(
          textVector && example.vector ? cosine(textVector, example.vector) : 0,
          sparseCosine(textSparse, example.sparse),
        ),
      }))
      .sort((left, right) => right.similarity - left.similarity)
      .slice(0, CLASSIFY_SETTINGS.neighbours);
    const weights = labels.map(() => 0);
    let total = 0;
    for (const neighbour of neighbours) {
      const weight = Math.max(neighbour.similarity, 0) + 1e-6;
      weights[neighbour.label] = (weights[neighbour.label] ?? 0) + weight;
      total += weight;
    }
    vote = weights.map((weight) => weight / total);
  }

  let scores: number[];
  if (request.multi_label === true) {
    scores = similarity.map((value) =>
      sigmoid((value - CLASSIFY_SETTINGS.multiLabelMidpoint) / CLASSIFY_SETTINGS.multiLabelSlope),
    );
  } else {
    const fromSimilarity = softmax(similarity, CLASSIFY_SETTINGS.temperature);
    scores =
      vote === undefined
        ? fromSimilarity
        : fromSimilarity.map(
            (value, index) =>
              (1 - CLASSIFY_SETTINGS.vote) * value + CLASSIFY_SETTINGS.vote * (vote?.[index] ?? 0),
          );
  }
  const fewShot = prepared.fewShot;
  if (fewShot !== undefined && prepared.strategy !== 'similarity') {
    return fewShotResult(prepared, fewShot, request, topK, similarity, scores, textVector, embedderModel);
  }

  return rankedResult(
    labels,
    scores,
    request,
    topK,
    provenance(textVector === undefined ? undefined : embedderModel, 'tfidf'),
  );
}

function rankedResult(
  labels: readonly LabelDefinition[],
  scores: readonly number[],
  request: Omit<ClassifyRequest, 'labels'>,
  topK: number,
  engine: EngineProvenance,
): ClassificationResult {
  const ranked = labels
    .map((label, index) => ({ name: label.name, raw: scores[index] ?? 0, index }))
    .sort((left, right) => right.raw - left.raw || left.index - right.index)
    .slice(0, topK);
  const chosen =
    request.multi_label === true
      ? ranked.filter((label) => label.raw >= 0.5).map((label) => label.name)
      : ranked.slice(0, 1).map((label) => label.name);
  return {
    ...engine,
    labels: ranked.map(({ name, raw }) => ({ name, score: Math.round(raw * 10_000) / 10_000 })),
    chosen,
  };
}

/**
 * Every label has examples: a similarity-weighted k-NN vote over character n-gram TF-IDF, averaged
 * with one-vs-rest logistic regressions on the example embeddings. Single-label scores are the average
 * of the vote shares and the normalised regression probabilities (a distribution); multi-label scores
 * average each label's regression probability with its similarity logistic.
 */
function fewShotResult(
  prepared: PreparedLabels,
  fewShot: FewShot,
  request: Omit<ClassifyRequest, 'labels'>,
  topK: number,
  similarity: readonly number[],
  similarityScores: readonly number[],
  textVector: Float32Array | undefined,
  embedderModel: string | undefined,
): ClassificationResult {
  const { labels, examples } = prepared;
  const textGrams = tfidfVector(characterGrams(request.text), fewShot.gramFrequencies, fewShot.gramDocuments);
  const neighbours = examples
    .map((example, index) => ({
      label: example.label,
      similarity: sparseCosine(textGrams, fewShot.exampleGrams[index] ?? new Map()),
    }))
    .sort((left, right) => right.similarity - left.similarity)
    .slice(0, CLASSIFY_SETTINGS.neighbours);
  const votes = labels.map(() => 0);
  let total = 0;
  for (const neighbour of neighbours) {
    const weight = Math.max(neighbour.similarity, 0) + 1e-6;
    votes[neighbour.label] = (votes[neighbour.label] ?? 0) + weight;
    total += weight;
  }
  const vote = votes.map((weight) => weight / total);
  const probabilities =
    fewShot.models !== undefined && textVector !== undefined
      ? fewShot.models.map((model) => model.probability(textVector))
      : undefined;
  // Every trained learner's one-vs-rest probabilities: the embedding regression and the lexical ones.
  const learners: Array<{ readonly weight: number; readonly probabilities: number[] }> = [];
  if (probabilities !== undefined) learners.push({ weight: 1, probabilities });
  for (const learner of fewShot.lexical ?? []) {
    const row = learner.space.row(learner.features(request.text));
    learners.push({
      weight: learner.weight,
      probabilities: learner.models.map((model) => model.probability(row)),
    });
  }
  const totalWeight = learners.reduce((sum, learner) => sum + learner.weight, 0);
  const meanProbability = (index: number) =>
    learners.reduce((sum, learner) => sum + learner.weight * (learner.probabilities[index] ?? 0), 0) /
    totalWeight;
  let scores: number[];
  if (request.multi_label === true) {
    scores = similarity.map((value, index) => {
      const independent = sigmoid(
        (value - CLASSIFY_SETTINGS.multiLabelMidpoint) / CLASSIFY_SETTINGS.multiLabelSlope,
      );
      return learners.length === 0 ? independent : 0.5 * independent + 0.5 * meanProbability(index);
    });
  } else if (fewShot.lexical !== undefined) {
    // The weighted average of each learner's distribution (its one-vs-rest probabilities normalised to sum 1).
    scores = labels.map(() => 0);
    for (const learner of learners) {
      const sum = learner.probabilities.reduce((accumulated, value) => accumulated + value, 0) || 1;
      learner.probabilities.forEach((value, index) => {
        scores[index] = (scores[index] ?? 0) + (learner.weight * value) / sum / totalWeight;
      });
    }
  } else if (probabilities === undefined) {
    const fromSimilarity = softmax(similarity, CLASSIFY_SETTINGS.temperature);
    scores = vote.map((share, index) => 0.5 * share + 0.5 * (fromSimilarity[index] ?? 0));
  } else {
    const sum = probabilities.reduce((accumulated, value) => accumulated + value, 0) || 1;
    scores = vote.map((share, index) => 0.5 * share + 0.5 * ((probabilities[index] ?? 0) / sum));
  }
  if (request.multi_label !== true && prepared.strategy === 'ensemble') {
    scores = scores.map((score, index) => 0.5 * score + 0.5 * (similarityScores[index] ?? 0));
  }
  return rankedResult(
    labels,
    scores,
    request,
    topK,
    provenance(
      probabilities === undefined ? undefined : embedderModel,
      fewShot.lexical !== undefined
        ? 'word-chargram-logistic'
        : probabilities === undefined
          ? 'chargram-knn'
          : 'chargram-knn+logistic',
    ),
  );
}

/**
 * Classifiers prepared for recent label sets, per embedder (a `WeakMap`, so a discarded embedder takes
 * its entries along). Guardrails and capabilities call `classify` with the same labels for every text, and
 * preparing (analysing and embedding the examples, training the regressions) costs far more than
 * classifying one text. Only completed preparations are kept, so a call's abort signal stays its own.
 */
const PREPARED_PER_EMBEDDER = 8;
const prepared = new WeakMap<object, LruCache<string, LabelClassifier>>();
const LEXICAL_ONLY = Object.freeze({});

function labelSetKey(labels: readonly LabelDefinition[]): string {
  const hash = createHash('sha256');
  for (const label of labels) {
    hash.update(JSON.stringify([label.name, label.description ?? null, label.examples ?? []]));
  }
  return hash.digest('base64url');
}

/**
 * Classifies a text by similarity to each label's name and description and, when examples are given,
 * by regressions trained on them (see `prepareClassifier`); the prepared classifier of a label set is
 * reused by later calls with the same labels and embedder.
 */
export async function classify(
  request: ClassifyRequest,
  options: LocalEngineOptions = {},
): Promise<ClassificationResult> {
  ensureTextWithinLimit(request.text);
  const owner = options.embedder === null ? LEXICAL_ONLY : (options.embedder ?? sharedLocalEmbedder());
  let cache = prepared.get(owner);
  if (cache === undefined) {
    cache = new LruCache(PREPARED_PER_EMBEDDER);
    prepared.set(owner, cache);
  }
  const key = labelSetKey(request.labels);
  let classifier = cache.get(key);
  if (classifier === undefined) {
    classifier = await prepareClassifier(request.labels, options);
    cache.set(key, classifier);
  }
  return classifier.classify(request, { signal: options.signal });
}
