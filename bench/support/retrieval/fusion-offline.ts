/**
 * Fusion rules compared offline over the candidate lists the quality phase wrote
 * (bench/results/retrieval-lists-<collection>.json): the same lists Keel's index returned, fused by the
 * same functions SearchService calls, so a rule's figure here is the figure `keel hybrid` would get.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgreementFusionSettings,
  agreementWeightedFusion,
  DBPEDIA_ONLY_AGREEMENT_FUSION,
  DEFAULT_AGREEMENT_FUSION,
  type IndexHit,
  reciprocalRankFusion,
} from '../../../src/modules/retrieval/index.ts';
import { RESULTS_DIR } from '../results.ts';
import { ndcgAt, recallAt } from './dataset.ts';

export interface StoredQueryLists {
  readonly query: string;
  readonly judgements: Record<string, number>;
  /** [chunk id, document id, score], best first. */
  readonly lexical: readonly [string, string, number][];
  readonly vector: readonly [string, string, number][];
}

export async function loadLists(collection: string): Promise<StoredQueryLists[]> {
  return JSON.parse(
    await readFile(path.join(RESULTS_DIR, `retrieval-lists-${collection}.json`), 'utf8'),
  ) as StoredQueryLists[];
}

/** Candidates per side, as SearchService asks for them. */
export const CANDIDATE_DEPTH = 50;

export type Ranker = (lexical: IndexHit[], vector: IndexHit[]) => readonly { chunkId: string }[];

export const RULES: Readonly<Record<string, Ranker>> = {
  lexical: (lexical) => lexical,
  vector: (_lexical, vector) => vector,
  'RRF, equal weights (before 0147)': (lexical, vector) => reciprocalRankFusion(lexical, vector, 60),
  'agreement-weighted, chosen on DBpedia (0147)': (lexical, vector) =>
    agreementWeightedFusion(lexical, vector, DBPEDIA_ONLY_AGREEMENT_FUSION),
  'agreement-weighted RRF (default)': (lexical, vector) =>
    agreementWeightedFusion(lexical, vector, DEFAULT_AGREEMENT_FUSION),
};

export function agreementRule(settings: AgreementFusionSettings): Ranker {
  return (lexical, vector) => agreementWeightedFusion(lexical, vector, settings);
}

/** Mean nDCG@10 and recall@10 of a rule, and the share of queries where it is below the lexical side. */
export function evaluate(
  lists: readonly StoredQueryLists[],
  rank: Ranker,
): { ndcg10: number; recall10: number; perQuery: number[] } {
  let ndcg = 0;
  let recall = 0;
  const perQuery: number[] = [];
  for (const entry of lists) {
    const documentOf = new Map<string, string>();
    const hits = (side: StoredQueryLists['lexical']) =>
      side.slice(0, CANDIDATE_DEPTH).map(([chunkId, documentId, score]) => {
        documentOf.set(chunkId, documentId);
        return { chunkId, score };
      });
    const fused = rank(hits(entry.lexical), hits(entry.vector));
    const documents = [...new Set(fused.map((hit) => documentOf.get(hit.chunkId) ?? hit.chunkId))];
    const judgements = new Map(Object.entries(entry.judgements));
    const score = ndcgAt(documents, judgements);
    perQuery.push(score);
    ndcg += score;
    recall += recallAt(documents, judgements);
  }
  return { ndcg10: ndcg / lists.length, recall10: recall / lists.length, perQuery };
}

/** The settings grid searched on the tuning collection (decision 0147). */
export function fusionGrid(): AgreementFusionSettings[] {
  const grid: AgreementFusionSettings[] = [];
  // A ceiling above 1 caps the vector side's weight below 1 even when the sides agree fully.
  for (const k of [10, 30, 60])
    for (const depth of [5, 10, 20])
      for (const floor of [0, 0.1, 0.2, 0.3, 0.5])
        for (const ceiling of [0.3, 0.5, 0.7, 1, 1.5, 2, 3])
          if (ceiling > floor) grid.push({ k, depth, floor, ceiling });
  return grid;
}

/**
 * The grid searched across collections (decision 0171): both agreement measures (set overlap, and
 * rank-biased overlap with p = 0.9), the RRF constant, and the vector side's largest weight.
 */
export function crossCollectionGrid(): AgreementFusionSettings[] {
  const grid: AgreementFusionSettings[] = [];
  for (const measure of ['overlap', 'rbo'] as const)
    for (const k of [10, 30, 60])
      for (const depth of [10, 20])
        for (const floor of [0, 0.1, 0.2])
          for (const ceiling of [0.3, 0.5, 0.7, 1])
            for (const maxWeight of [0.25, 0.5, 0.75, 1])
              if (ceiling > floor)
                grid.push({ k, depth, floor, ceiling, measure, persistence: 0.9, maxWeight });
  return grid;
}

export interface CollectionLists {
  readonly name: string;
  readonly lists: readonly StoredQueryLists[];
  /** nDCG@10 of plain BM25 and of Keel's own lexical side on the collection. */
  readonly plainBm25: number;
  readonly lexical: number;
}

/**
 * What fusion settings are chosen by across collections (decision 0171): the hybrid must not fall below
 * the collection's own lexical side on any of them (a constraint: worst ratio >= 1), and among the
 * settings that meet it, the best mean ratio to plain BM25 wins. Should none meet it, the best worst
 * ratio wins.
 */
export function selectionScore(
  settings: AgreementFusionSettings,
  collections: readonly CollectionLists[],
): { readonly worstVsLexical: number; readonly meanVsBm25: number; readonly ndcg10: number[] } {
  const ndcg10 = collections.map((collection) => evaluate(collection.lists, agreementRule(settings)).ndcg10);
  const vsLexical = ndcg10.map((score, index) => score / (collections[index]?.lexical ?? 1));
  const vsBm25 = ndcg10.map((score, index) => score / (collections[index]?.plainBm25 ?? 1));
  return {
    worstVsLexical: Math.min(...vsLexical),
    meanVsBm25: vsBm25.reduce((sum, value) => sum + value, 0) / vsBm25.length,
    ndcg10,
  };
}

/** The best settings of the grid on these collections by `selectionScore`. */
export function selectAcross(
  grid: readonly AgreementFusionSettings[],
  collections: readonly CollectionLists[],
): { readonly settings: AgreementFusionSettings; readonly score: ReturnType<typeof selectionScore> }[] {
  return grid
    .map((settings) => ({ settings, score: selectionScore(settings, collections) }))
    .sort((left, right) => {
      const leftMeets = left.score.worstVsLexical >= 1 - 1e-9;
      const rightMeets = right.score.worstVsLexical >= 1 - 1e-9;
      if (leftMeets !== rightMeets) return leftMeets ? -1 : 1;
      return leftMeets
        ? right.score.meanVsBm25 - left.score.meanVsBm25
        : right.score.worstVsLexical - left.score.worstVsLexical;
    });
}
