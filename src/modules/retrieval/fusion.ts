import type { IndexHit } from './chunk-index.port.ts';

export interface RankedSignal {
  /** 1-based rank in that list. */
  readonly rank: number;
  readonly score: number;
}

export interface FusedHit {
  readonly chunkId: string;
  readonly score: number;
  readonly lexical: RankedSignal | null;
  readonly vector: RankedSignal | null;
}

/**
 * Reciprocal-rank fusion (Cormack et al., 2009): each list adds `1 / (k + rank)`. It needs no score
 * calibration between BM25 and cosine, and measured on DBpedia-Entity it matched every tuned variant we
 * tried within noise (docs/retrieval.md), so the standard k = 60 with equal weights is the default.
 */
export const DEFAULT_RRF_K = 60;

export function reciprocalRankFusion(
  lexical: readonly IndexHit[],
  vector: readonly IndexHit[],
  k: number = DEFAULT_RRF_K,
): FusedHit[] {
  const fused = new Map<
    string,
    { score: number; lexical: RankedSignal | null; vector: RankedSignal | null }
  >();
  const add = (hits: readonly IndexHit[], side: 'lexical' | 'vector') => {
    hits.forEach((hit, index) => {
      const entry = fused.get(hit.chunkId) ?? { score: 0, lexical: null, vector: null };
      entry.score += 1 / (k + index + 1);
      entry[side] = { rank: index + 1, score: hit.score };
      fused.set(hit.chunkId, entry);
    });
  };
  add(lexical, 'lexical');
  add(vector, 'vector');
  return [...fused]
    .map(([chunkId, entry]) => ({ chunkId, ...entry }))
    .sort((a, b) => b.score - a.score || bestRank(a) - bestRank(b) || (a.chunkId < b.chunkId ? -1 : 1));
}

/** A single list as fused hits, so every mode answers in the same shape. */
export function singleList(hits: readonly IndexHit[], side: 'lexical' | 'vector'): FusedHit[] {
  return hits.map((hit, index) => {
    const signal = { rank: index + 1, score: hit.score };
    return {
      chunkId: hit.chunkId,
      score: hit.score,
      lexical: side === 'lexical' ? signal : null,
      vector: side === 'vector' ? signal : null,
    };
  });
}

function bestRank(hit: FusedHit): number {
  return Math.min(
    hit.lexical?.rank ?? Number.POSITIVE_INFINITY,
    hit.vector?.rank ?? Number.POSITIVE_INFINITY,
  );
}
