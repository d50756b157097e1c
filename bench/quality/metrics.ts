/** Ranking and summary metrics of bench/quality.ts (trec_eval conventions: linear gain, log2 discount). */

/** nDCG@k with graded relevance as linear gain; the ideal ranking uses every judged document. */
export function ndcgAtK(
  ranked: readonly string[],
  judgements: ReadonlyMap<string, number>,
  k: number,
): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, position) => {
    const gain = judgements.get(id) ?? 0;
    if (gain > 0) dcg += gain / Math.log2(position + 2);
  });
  const ideal = [...judgements.values()].filter((gain) => gain > 0).sort((left, right) => right - left);
  let idcg = 0;
  ideal.slice(0, k).forEach((gain, position) => {
    idcg += gain / Math.log2(position + 2);
  });
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Share of the relevant (grade > 0) documents found in the first k. */
export function recallAtK(
  ranked: readonly string[],
  judgements: ReadonlyMap<string, number>,
  k: number,
): number {
  const relevant = [...judgements.entries()].filter(([, gain]) => gain > 0).map(([id]) => id);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

function lcsLength(left: readonly string[], right: readonly string[]): number {
  let previous = new Array<number>(right.length + 1).fill(0);
  for (const word of left) {
    const current = new Array<number>(right.length + 1).fill(0);
    for (let index = 1; index <= right.length; index++) {
      current[index] =
        word === right[index - 1]
          ? (previous[index - 1] ?? 0) + 1
          : Math.max(previous[index] ?? 0, current[index - 1] ?? 0);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** ROUGE tokens: lower-cased alphanumeric runs (as in the reference ROUGE-1.5.5 without stemming). */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

function prf(overlap: number, candidateLength: number, referenceLength: number): RougeScore {
  const precision = candidateLength === 0 ? 0 : overlap / candidateLength;
  const recall = referenceLength === 0 ? 0 : overlap / referenceLength;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** ROUGE-L (longest common subsequence), summary-level over the whole texts. */
export function rougeL(candidate: string, reference: string): RougeScore {
  const left = rougeTokens(candidate);
  const right = rougeTokens(reference);
  return prf(lcsLength(left, right), left.length, right.length);
}

/** ROUGE-1 (unigram overlap, clipped counts). */
export function rouge1(candidate: string, reference: string): RougeScore {
  const left = rougeTokens(candidate);
  const right = rougeTokens(reference);
  const counts = new Map<string, number>();
  for (const token of right) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of left) {
    const remaining = counts.get(token) ?? 0;
    if (remaining > 0) {
      overlap++;
      counts.set(token, remaining - 1);
    }
  }
  return prf(overlap, left.length, right.length);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((total, value) => total + value, 0) / values.length;
}

/** A deterministic pseudo-random generator (mulberry32) so samples repeat across runs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
