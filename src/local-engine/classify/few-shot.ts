/** Learning from a handful of labelled examples: character n-grams and a small logistic regression. */

const MAX_GRAM_TEXT = 4_000;

/**
 * Character 3- to 5-grams of the lower-cased, whitespace-collapsed text (its first 4,000 characters).
 * Sub-word features survive inflection, typos, markup debris and any script, which word lemmas do not;
 * with few examples they are the stronger lexical evidence (measured in bench/quality.ts).
 */
export function characterGrams(text: string): string[] {
  const normalised = text.toLowerCase().replace(/\s+/gu, ' ').trim().slice(0, MAX_GRAM_TEXT);
  const grams: string[] = [];
  for (let size = 3; size <= 5; size++) {
    for (let index = 0; index + size <= normalised.length; index++)
      grams.push(normalised.slice(index, index + size));
  }
  return grams;
}

export interface LogisticModel {
  probability(features: Float32Array): number;
}

/**
 * Binary logistic regression by full-batch gradient descent with L2 regularisation, for unit-length
 * dense features (sentence embeddings). 300 steps over 100 examples of 512 dimensions take ~20 ms.
 */
export function trainLogistic(
  features: readonly Float32Array[],
  targets: readonly number[],
  options: { readonly steps?: number; readonly learningRate?: number; readonly l2?: number } = {},
): LogisticModel {
  const steps = options.steps ?? 300;
  const rate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 0.001;
  const dimensions = features[0]?.length ?? 0;
  const weights = new Float64Array(dimensions);
  let bias = 0;
  const gradient = new Float64Array(dimensions);
  const count = Math.max(1, features.length);
  for (let step = 0; step < steps; step++) {
    gradient.fill(0);
    let biasGradient = 0;
    features.forEach((vector, index) => {
      let z = bias;
      for (let dimension = 0; dimension < dimensions; dimension++)
        z += (weights[dimension] ?? 0) * (vector[dimension] ?? 0);
      const error = 1 / (1 + Math.exp(-z)) - (targets[index] ?? 0);
      for (let dimension = 0; dimension < dimensions; dimension++)
        gradient[dimension] = (gradient[dimension] ?? 0) + error * (vector[dimension] ?? 0);
      biasGradient += error;
    });
    for (let dimension = 0; dimension < dimensions; dimension++) {
      weights[dimension] =
        (weights[dimension] ?? 0) -
        rate * ((gradient[dimension] ?? 0) / count + l2 * (weights[dimension] ?? 0));
    }
    bias -= (rate * biasGradient) / count;
  }
  return {
    probability(vector) {
      let z = bias;
      for (let dimension = 0; dimension < dimensions; dimension++)
        z += (weights[dimension] ?? 0) * (vector[dimension] ?? 0);
      return 1 / (1 + Math.exp(-z));
    },
  };
}

/**
 * Word features of a text for the sparse learners: lower-cased runs of letters and digits, and runs of
 * `$` and `!` (money and emphasis are words of their own in commercial text), of its first 4,000
 * characters. No lemmas or stop lists: they cost a parse and the learners weigh common words themselves.
 */
export function wordFeatures(text: string): string[] {
  return (
    text
      .slice(0, MAX_GRAM_TEXT)
      .toLowerCase()
      .match(/[\p{L}\p{N}$!]+/gu) ?? []
  );
}

/** A row of a sparse feature matrix: feature indices and their (L2-normalised TF-IDF) values. */
export interface SparseRow {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** TF-IDF over the features the training texts hold (log term frequency, smoothed IDF, unit length). */
export interface FeatureSpace {
  readonly size: number;
  row(features: readonly string[]): SparseRow;
}

export function featureSpace(documents: readonly (readonly string[])[]): FeatureSpace {
  const documentFrequency = new Map<string, number>();
  for (const features of documents)
    for (const feature of new Set(features))
      documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
  const index = new Map<string, number>();
  const idf: number[] = [];
  const collection = documents.length + 1;
  for (const [feature, count] of documentFrequency) {
    index.set(feature, index.size);
    idf.push(Math.log((1 + collection) / (1 + count)) + 1);
  }
  return {
    size: index.size,
    row(features) {
      const counts = new Map<number, number>();
      for (const feature of features) {
        const position = index.get(feature);
        if (position !== undefined) counts.set(position, (counts.get(position) ?? 0) + 1);
      }
      const indices = Int32Array.from(counts.keys());
      const values = Float64Array.from(
        indices,
        (position) => (1 + Math.log(counts.get(position) ?? 1)) * (idf[position] ?? 1),
      );
      let norm = 0;
      for (const value of values) norm += value * value;
      norm = Math.sqrt(norm) || 1;
      for (let position = 0; position < values.length; position++)
        values[position] = (values[position] ?? 0) / norm;
      return { indices, values };
    },
  };
}

function sparseDot(row: SparseRow, weights: Float64Array): number {
  let sum = 0;
  for (let position = 0; position < row.indices.length; position++)
    sum += (weights[row.indices[position] ?? 0] ?? 0) * (row.values[position] ?? 0);
  return sum;
}

export interface SparseLogisticModel {
  probability(row: SparseRow): number;
}

/**
 * Binary logistic regression over sparse unit-length rows (a text's TF-IDF words or character n-grams),
 * full-batch gradient descent with L2 regularisation. Cost is steps x the rows' non-zero entries: 300
 * steps over 100 e-mails' character n-grams are ~1 s, over their words ~0.1 s.
 */
export function trainSparseLogistic(
  rows: readonly SparseRow[],
  targets: readonly number[],
  dimensions: number,
  options: { readonly steps?: number; readonly learningRate?: number; readonly l2?: number } = {},
): SparseLogisticModel {
  const steps = options.steps ?? 300;
  const rate = options.learningRate ?? 1;
  const l2 = options.l2 ?? 0.001;
  const weights = new Float64Array(dimensions);
  const gradient = new Float64Array(dimensions);
  let bias = 0;
  const count = Math.max(1, rows.length);
  for (let step = 0; step < steps; step++) {
    gradient.fill(0);
    let biasGradient = 0;
    rows.forEach((row, rowIndex) => {
      const error = 1 / (1 + Math.exp(-(sparseDot(row, weights) + bias))) - (targets[rowIndex] ?? 0);
      for (let position = 0; position < row.indices.length; position++) {
        const feature = row.indices[position] ?? 0;
        gradient[feature] = (gradient[feature] ?? 0) + error * (row.values[position] ?? 0);
      }
      biasGradient += error;
    });
    for (let feature = 0; feature < dimensions; feature++)
      weights[feature] =
        (weights[feature] ?? 0) - rate * ((gradient[feature] ?? 0) / count + l2 * (weights[feature] ?? 0));
    bias -= (rate * biasGradient) / count;
  }
  return { probability: (row) => 1 / (1 + Math.exp(-(sparseDot(row, weights) + bias))) };
}
