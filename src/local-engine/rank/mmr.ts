/**
 * Maximal marginal relevance: picks `k` candidates one at a time, each maximising
 * `lambda * relevance - (1 - lambda) * (highest similarity to an already picked one)`.
 * lambda = 1 is plain relevance order; lower values trade relevance for variety.
 */
export function selectByMmr(
  relevance: readonly number[],
  similarity: (left: number, right: number) => number,
  k: number,
  lambda: number,
  signal?: AbortSignal,
): number[] {
  const chosen: number[] = [];
  const remaining = new Set(relevance.map((_, index) => index));
  const closest = new Float64Array(relevance.length);
  while (chosen.length < k && remaining.size > 0) {
    signal?.throwIfAborted();
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const candidate of remaining) {
      const penalty = chosen.length === 0 ? 0 : (closest[candidate] ?? 0);
      const value = lambda * (relevance[candidate] ?? 0) - (1 - lambda) * penalty;
      if (value > bestValue || (value === bestValue && candidate < best)) {
        best = candidate;
        bestValue = value;
      }
    }
    chosen.push(best);
    remaining.delete(best);
    for (const candidate of remaining) {
      const similar = similarity(candidate, best);
      if (chosen.length === 1 || similar > (closest[candidate] ?? 0)) closest[candidate] = similar;
    }
  }
  return chosen;
}
