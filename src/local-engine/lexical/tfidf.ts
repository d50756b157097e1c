/** Sparse TF-IDF vectors (log-scaled term frequency, smoothed IDF, L2-normalised) for lexical cosine. */
export type SparseVector = ReadonlyMap<string, number>;

export function documentFrequencies(documents: readonly (readonly string[])[]): Map<string, number> {
  const frequencies = new Map<string, number>();
  for (const terms of documents) {
    for (const term of new Set(terms)) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  }
  return frequencies;
}

export function tfidfVector(
  terms: readonly string[],
  frequencies: ReadonlyMap<string, number>,
  documentCount: number,
): SparseVector {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  const vector = new Map<string, number>();
  let norm = 0;
  for (const [term, count] of counts) {
    const idf = Math.log((1 + documentCount) / (1 + (frequencies.get(term) ?? 0))) + 1;
    const weight = (1 + Math.log(count)) * idf;
    vector.set(term, weight);
    norm += weight * weight;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [term, weight] of vector) vector.set(term, weight / norm);
  return vector;
}

export function sparseCosine(left: SparseVector, right: SparseVector): number {
  const [small, large] = left.size <= right.size ? [left, right] : [right, left];
  let dot = 0;
  for (const [term, weight] of small) dot += weight * (large.get(term) ?? 0);
  return dot;
}
