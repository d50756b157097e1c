import {
  Bm25Index,
  DEFAULT_FUSION,
  type Embedder,
  type FusionSettings,
  HybridRanker,
  type RankingEvidence,
} from '../../src/local-engine/index.ts';
import { type IrCollection, plainTokens } from './dbpedia.ts';
import { mean, ndcgAtK, recallAtK } from './metrics.ts';

export interface RankingFigures {
  readonly ndcgAt10: number;
  readonly recallAt10: number;
}

export interface RankingReport {
  readonly queries: number;
  readonly documents: number;
  /** The README's plain BM25 exactly: abstract text only (reproduces its 0.317). */
  readonly plainBm25TextOnly: RankingFigures;
  /** The same plain BM25 on title + abstract, the text the engine ranks: the stricter baseline. */
  readonly plainBm25: RankingFigures;
  readonly lexical: RankingFigures;
  readonly semantic: RankingFigures;
  readonly fused: RankingFigures;
  readonly fusedOverPlainBm25: number;
  readonly fusion: FusionSettings;
  /** Other fusions on the same evidence, for the record (not used by the engine unless stated). */
  readonly alternatives: Record<string, RankingFigures>;
  /** Lexical weight chosen on one half of the queries, scored on the other, both ways. */
  readonly crossValidated: { readonly ndcgAt10: number; readonly chosenWeights: readonly number[] };
  readonly embedSeconds: number;
}

function figures(
  rankings: readonly (readonly string[])[],
  judgements: readonly ReadonlyMap<string, number>[],
): RankingFigures {
  return {
    ndcgAt10: mean(rankings.map((ranked, index) => ndcgAtK(ranked, judgements[index] ?? new Map(), 10))),
    recallAt10: mean(rankings.map((ranked, index) => recallAtK(ranked, judgements[index] ?? new Map(), 10))),
  };
}

function order(ids: readonly string[], scores: ArrayLike<number>): string[] {
  return ids
    .map((id, index) => ({ id, index, score: scores[index] ?? 0 }))
    .sort((left, right) => right.score - left.score || left.index - right.index)
    .slice(0, 100)
    .map((entry) => entry.id);
}

function minMax(values: ArrayLike<number>): Float64Array {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < values.length; index++) {
    low = Math.min(low, values[index] ?? 0);
    high = Math.max(high, values[index] ?? 0);
  }
  const result = new Float64Array(values.length);
  for (let index = 0; index < values.length; index++)
    result[index] = high > low ? ((values[index] ?? 0) - low) / (high - low) : 0;
  return result;
}

function reciprocalRankFusion(first: ArrayLike<number>, second: ArrayLike<number>, k = 60): Float64Array {
  const ranks = (values: ArrayLike<number>) => {
    const indexes = Array.from({ length: values.length }, (_, index) => index).sort(
      (left, right) => (values[right] ?? 0) - (values[left] ?? 0),
    );
    const rank = new Float64Array(values.length);
    indexes.forEach((documentIndex, position) => {
      rank[documentIndex] = position + 1;
    });
    return rank;
  };
  const firstRanks = ranks(first);
  const secondRanks = ranks(second);
  const fused = new Float64Array(first.length);
  for (let index = 0; index < first.length; index++)
    fused[index] = 1 / (k + (firstRanks[index] ?? 0)) + 1 / (k + (secondRanks[index] ?? 0));
  return fused;
}

/**
 * Q1-style ranking on the IR collection: every document of the corpus is a `score` item, each query is
 * ranked against all of them with the engine's HybridRanker (the code `scoreItems` runs), and the
 * README's plain BM25 is computed here on the same documents as the baseline.
 */
export async function measureRanking(
  collection: IrCollection,
  embedder: Embedder,
  log: (line: string) => void,
  fusion: FusionSettings = DEFAULT_FUSION,
): Promise<RankingReport> {
  const queries = collection.queries.filter((query) =>
    [...(collection.judgements.get(query.id)?.values() ?? [])].some((grade) => grade > 0),
  );
  const judgements = queries.map((query) => collection.judgements.get(query.id) ?? new Map<string, number>());
  const items = collection.documents.map((document) => ({
    id: document.id,
    text: `${document.title}. ${document.text}`,
  }));
  const ids = items.map((item) => item.id);

  const plain = new Bm25Index(items.map((item) => plainTokens(item.text)));
  const plainRankings = queries.map((query) => order(ids, plain.score(plainTokens(query.text))));
  const plainTextOnly = new Bm25Index(collection.documents.map((document) => plainTokens(document.text)));
  const plainTextOnlyRankings = queries.map((query) =>
    order(ids, plainTextOnly.score(plainTokens(query.text))),
  );

  log(`ranking: embedding ${items.length} documents (title + abstract, first ${1000} characters)...`);
  const started = performance.now();
  const ranker = await HybridRanker.build(items, { embedder, mode: 'hybrid' });
  const embedSeconds = (performance.now() - started) / 1000;
  log(`ranking: built in ${embedSeconds.toFixed(1)} s`);
  const evidence: RankingEvidence[] = [];
  for (const query of queries) evidence.push(await ranker.evidence(query.text));

  const rankWith = (settings: FusionSettings) =>
    evidence.map((entry) =>
      ranker
        .fuse(entry, settings)
        .slice(0, 100)
        .map((item) => item.id),
    );
  const lexicalRankings = evidence.map((entry) => order(ids, entry.bm25));
  const semanticRankings = evidence.map((entry) => order(ids, entry.cosines ?? []));
  const fusedRankings = rankWith(fusion);

  const alternatives: Record<string, RankingFigures> = {};
  const weights = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
  for (const lexicalWeight of weights) {
    alternatives[`absolute w=${lexicalWeight}`] = figures(rankWith({ ...fusion, lexicalWeight }), judgements);
  }
  for (const lexicalWeight of [0.3, 0.5, 0.7]) {
    alternatives[`min-max w=${lexicalWeight}`] = figures(
      evidence.map((entry) => {
        const lexical = minMax(entry.bm25);
        const semantic = minMax(entry.cosines ?? []);
        return order(
          ids,
          lexical.map((value, index) => lexicalWeight * value + (1 - lexicalWeight) * (semantic[index] ?? 0)),
        );
      }),
      judgements,
    );
  }
  alternatives['reciprocal rank fusion k=60'] = figures(
    evidence.map((entry) => order(ids, reciprocalRankFusion(entry.bm25, entry.cosines ?? []))),
    judgements,
  );

  // Two-fold cross-validation of the lexical weight: choose on one half, measure on the other.
  const halves = [
    queries.map((_, index) => index).filter((index) => index % 2 === 0),
    queries.map((_, index) => index).filter((index) => index % 2 === 1),
  ];
  const perQuery = new Map<number, number[]>();
  for (const lexicalWeight of weights) {
    perQuery.set(
      lexicalWeight,
      rankWith({ ...fusion, lexicalWeight }).map((ranked, index) =>
        ndcgAtK(ranked, judgements[index] ?? new Map(), 10),
      ),
    );
  }
  const chosenWeights: number[] = [];
  const heldOut: number[] = [];
  for (const [trainIndex, testIndex] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const train = halves[trainIndex] ?? [];
    const test = halves[testIndex] ?? [];
    const best = weights.reduce((winner, weight) =>
      mean(train.map((index) => perQuery.get(weight)?.[index] ?? 0)) >
      mean(train.map((index) => perQuery.get(winner)?.[index] ?? 0))
        ? weight
        : winner,
    );
    chosenWeights.push(best);
    heldOut.push(...test.map((index) => perQuery.get(best)?.[index] ?? 0));
  }

  const plainFigures = figures(plainRankings, judgements);
  const fusedFigures = figures(fusedRankings, judgements);
  return {
    queries: queries.length,
    documents: items.length,
    plainBm25TextOnly: figures(plainTextOnlyRankings, judgements),
    plainBm25: plainFigures,
    lexical: figures(lexicalRankings, judgements),
    semantic: figures(semanticRankings, judgements),
    fused: fusedFigures,
    fusedOverPlainBm25: fusedFigures.ndcgAt10 / plainFigures.ndcgAt10,
    fusion,
    alternatives,
    crossValidated: { ndcgAt10: mean(heldOut), chosenWeights },
    embedSeconds,
  };
}
