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
