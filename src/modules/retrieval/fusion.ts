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
  vectorWeight = 1,
): FusedHit[] {
  const fused = new Map<
    string,
    { score: number; lexical: RankedSignal | null; vector: RankedSignal | null }
  >();
  const add = (hits: readonly IndexHit[], side: 'lexical' | 'vector') => {
    const weight = side === 'vector' ? vectorWeight : 1;
    hits.forEach((hit, index) => {
      const entry = fused.get(hit.chunkId) ?? { score: 0, lexical: null, vector: null };
      entry.score += weight / (k + index + 1);
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

/** How the hybrid weighs its vector side by the two sides' agreement (docs/retrieval.md, ADR 0146). */
export interface AgreementFusionSettings {
  /** Reciprocal-rank constant. */
  readonly k: number;
  /** How many top hits of each side are compared. */
  readonly depth: number;
  /** Overlap share at or below which the vector side gets no weight. */
  readonly floor: number;
  /** Overlap share from which the vector side gets full weight. */
  readonly ceiling: number;
  /**
   * How agreement is measured: `overlap`, the share of the top `depth` hits both sides hold (every rank
   * counts the same), or `rbo`, rank-biased overlap (Webber, Moffat and Zobel, 2010) over the top
   * `depth` with persistence `persistence`, which counts agreement at the top ranks most. Default overlap.
   */
  readonly measure?: 'overlap' | 'rbo';
  /** RBO's persistence p, 0..1 (0.9: the top 10 ranks carry about 65 % of the weight). Default 0.9. */
  readonly persistence?: number;
  /** The vector side's weight at full agreement, 0..1. Default 1. */
  readonly maxWeight?: number;
}

/**
 * Chosen across three collections (DBpedia-Entity, Keel's ADRs, Reuters-21578 topics): of 576 settings,
 * those never below the collection's own lexical side on any of them, the one with the best mean ratio
 * to plain BM25 (decision 0171; decision 0147's settings, chosen on DBpedia alone, were k 60, floor 0,
 * ceiling 0.5). The vector side gets no weight until a fifth of the two top-20 lists agree, and half the
 * lexical side's weight when they agree entirely (the cap was 1 until BM25's k1 became 2.5, decision 0189:
 * chosen again by the same rule on the new lexical lists).
 */
export const DEFAULT_AGREEMENT_FUSION: AgreementFusionSettings = Object.freeze({
  k: 30,
  depth: 20,
  floor: 0.2,
  ceiling: 1,
  measure: 'overlap',
  maxWeight: 0.5,
});

/** Decision 0147's settings (DBpedia-Entity only), kept for comparison in the bench. */
export const DBPEDIA_ONLY_AGREEMENT_FUSION: AgreementFusionSettings = Object.freeze({
  k: 60,
  depth: 20,
  floor: 0,
  ceiling: 0.5,
});

/** Share of the top `depth` hits of the shorter side that the other side's top `depth` also holds, 0..1. */
export function agreementOf(
  lexical: readonly IndexHit[],
  vector: readonly IndexHit[],
  depth: number,
): number {
  const top = new Set(lexical.slice(0, depth).map((hit) => hit.chunkId));
  const compared = Math.min(depth, lexical.length, vector.length);
  if (compared === 0) return 0;
  let shared = 0;
  for (const hit of vector.slice(0, depth)) if (top.has(hit.chunkId)) shared++;
  return shared / compared;
}

/**
 * Rank-biased overlap of the two sides' top `depth` hits, 0..1: the average over depths d = 1..depth of
 * the share of the top d both sides hold, weighted by persistence^(d-1) (truncated and normalised by
 * the weights' sum, so identical lists score 1 and disjoint ones 0).
 */
export function rankBiasedOverlap(
  lexical: readonly IndexHit[],
  vector: readonly IndexHit[],
  depth: number,
  persistence: number,
): number {
  const seenLexical = new Set<string>();
  const seenVector = new Set<string>();
  let shared = 0;
  let sum = 0;
  let norm = 0;
  let weight = 1;
  for (let d = 1; d <= depth; d++) {
    const left = lexical[d - 1]?.chunkId;
    const right = vector[d - 1]?.chunkId;
    if (left !== undefined) seenLexical.add(left);
    if (right !== undefined) seenVector.add(right);
    if (left !== undefined && seenVector.has(left)) shared++;
    if (right !== undefined && right !== left && seenLexical.has(right)) shared++;
    sum += (weight * shared) / d;
    norm += weight;
    weight *= persistence;
  }
  return norm === 0 ? 0 : sum / norm;
}

/**
 * The vector side's weight for one query, 0..1: nothing while the two sides disagree (a weak embedder
 * then cannot pull the answer below the lexical ranking), rising linearly with their agreement; full when
 * the lexical side found nothing (a query of words the collection does not use).
 */
export function vectorWeightFor(
  lexical: readonly IndexHit[],
  vector: readonly IndexHit[],
  settings: AgreementFusionSettings = DEFAULT_AGREEMENT_FUSION,
): number {
  if (lexical.length === 0) return 1;
  const agreement =
    settings.measure === 'rbo'
      ? rankBiasedOverlap(lexical, vector, settings.depth, settings.persistence ?? 0.9)
      : agreementOf(lexical, vector, settings.depth);
  if (agreement <= settings.floor) return 0;
  const share = Math.min(1, (agreement - settings.floor) / Math.max(1e-9, settings.ceiling - settings.floor));
  return share * (settings.maxWeight ?? 1);
}

/**
 * Reciprocal-rank fusion with the vector side weighted by its agreement with the lexical side for this
 * query. With weight 0 the order is exactly the lexical order (vector-only hits follow it, by vector
 * rank), so the hybrid never does worse than its lexical side on a query where the sides disagree.
 */
export function agreementWeightedFusion(
  lexical: readonly IndexHit[],
  vector: readonly IndexHit[],
  settings: AgreementFusionSettings = DEFAULT_AGREEMENT_FUSION,
): FusedHit[] {
  const weight = vectorWeightFor(lexical, vector, settings);
  return reciprocalRankFusion(lexical, vector, settings.k, weight);
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
