/** Dense-vector helpers; the engine's vectors are Float32Array, unit length or all zeros. */
export function dot(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) sum += (left[index] ?? 0) * (right[index] ?? 0);
  return sum;
}

export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  const result = new Float32Array(vector.length);
  for (let index = 0; index < vector.length; index++) result[index] = (vector[index] ?? 0) / norm;
  return result;
}

/** Cosine similarity; 0 when either vector is all zeros (the embedding of an empty text). */
export function cosine(left: Float32Array, right: Float32Array): number {
  let product = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left[index] ?? 0;
    const b = right[index] ?? 0;
    product += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  }
  return leftNorm === 0 || rightNorm === 0 ? 0 : product / Math.sqrt(leftNorm * rightNorm);
}

/** The normalised mean of some vectors (a centroid on the unit sphere). */
export function centroid(vectors: readonly Float32Array[], dimensions: number): Float32Array {
  const sum = new Float32Array(dimensions);
  for (const vector of vectors)
    for (let index = 0; index < dimensions; index++) sum[index] = (sum[index] ?? 0) + (vector[index] ?? 0);
  return normalize(sum);
}
