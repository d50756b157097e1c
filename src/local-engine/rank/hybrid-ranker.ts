import type { Embedder } from '../embedding/local-embedder.ts';
import { cosine } from '../embedding/vectors.ts';
import { Bm25Index, type TermContribution } from '../lexical/bm25.ts';
import { lexicalTerms } from '../text/analyze.ts';

export type RankingMode = 'hybrid' | 'lexical' | 'semantic';

/**
 * How lexical and embedding evidence become one score in 0..1. BM25 is divided by the query's
 * reference score (an average-length document holding each query term once) and capped at 1; cosine is
 * mapped linearly from `semanticFloor` (unrelated texts) to `semanticCeiling` (paraphrases) and clamped.
 * The score is `lexicalWeight * lexical + (1 - lexicalWeight) * semantic`: absolute, not min-max per
 * query, so it means the same across calls and candidate sets. Defaults measured in bench/quality.ts.
 */
export interface FusionSettings {
  readonly lexicalWeight: number;
  readonly semanticFloor: number;
  readonly semanticCeiling: number;
}

export const DEFAULT_FUSION: FusionSettings = Object.freeze({
  lexicalWeight: 0.5,
  semanticFloor: 0.1,
  semanticCeiling: 0.7,
});

export interface RankerItem {
  readonly id: string;
  readonly text: string;
}

export interface RankedItem {
  readonly index: number;
  readonly id: string;
  readonly score: number;
  /** The calibrated lexical and semantic parts (semantic is null in lexical mode). */
  readonly lexical: number;
  readonly semantic: number | null;
}

/** The raw evidence for one query, before fusion (the quality benchmark compares fusions on it). */
export interface RankingEvidence {
  readonly queryTerms: readonly string[];
  readonly bm25: Float64Array;
  readonly referenceScore: number;
  readonly cosines: Float64Array | undefined;
}

export interface RankerOptions {
  readonly embedder?: Embedder | undefined;
  readonly signal?: AbortSignal | undefined;
  /** `lexical` skips the embedder entirely. Default `hybrid` when an embedder is given. */
  readonly mode?: RankingMode;
}

export function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

export function calibrateLexical(bm25: number, referenceScore: number): number {
  return referenceScore <= 0 ? 0 : clamp01(bm25 / referenceScore);
}

export function calibrateSemantic(cosineSimilarity: number, settings: FusionSettings): number {
  return clamp01(
    (cosineSimilarity - settings.semanticFloor) / (settings.semanticCeiling - settings.semanticFloor),
  );
}

/**
 * Ranks a fixed set of items against queries by fused BM25 + embedding similarity. Build once, rank
 * many queries: items are tokenised and embedded (cached by text) at build time.
 */
export class HybridRanker {
  readonly items: readonly RankerItem[];
  readonly mode: RankingMode;
  readonly itemTerms: readonly (readonly string[])[];
  readonly itemVectors: readonly Float32Array[] | undefined;
  readonly #index: Bm25Index;
  readonly #embedder: Embedder | undefined;

  private constructor(
    items: readonly RankerItem[],
    mode: RankingMode,
    itemTerms: readonly (readonly string[])[],
    itemVectors: readonly Float32Array[] | undefined,
    embedder: Embedder | undefined,
  ) {
    this.items = items;
    this.mode = mode;
    this.itemTerms = itemTerms;
    this.itemVectors = itemVectors;
    this.#index = new Bm25Index(itemTerms);
    this.#embedder = embedder;
  }

  static async build(items: readonly RankerItem[], options: RankerOptions = {}): Promise<HybridRanker> {
    const mode = options.embedder === undefined ? 'lexical' : (options.mode ?? 'hybrid');
    const itemTerms: string[][] = [];
    for (let index = 0; index < items.length; index++) {
      if (index % 256 === 0) options.signal?.throwIfAborted();
      itemTerms.push(lexicalTerms(items[index]?.text ?? ''));
    }
    const vectors =
      mode === 'lexical' || options.embedder === undefined
        ? undefined
        : await options.embedder.embed(
            items.map((item) => item.text),
            options.signal ? { signal: options.signal } : {},
          );
    return new HybridRanker(
      items,
      mode,
      itemTerms,
      vectors,
      mode === 'lexical' ? undefined : options.embedder,
    );
  }

  get index(): Bm25Index {
    return this.#index;
  }

  async evidence(
    query: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<RankingEvidence> {
    return this.evidenceFor(lexicalTerms(query), await this.queryVector(query, options.signal));
  }

  async queryVector(text: string, signal?: AbortSignal): Promise<Float32Array | undefined> {
    if (this.#embedder === undefined || this.itemVectors === undefined) return undefined;
    const [vector] = await this.#embedder.embed([text], signal ? { signal } : {});
    return vector;
  }

  evidenceFor(queryTerms: readonly string[], queryVector: Float32Array | undefined): RankingEvidence {
    const bm25 = this.#index.score(queryTerms);
    const referenceScore = this.#index.referenceScore(queryTerms);
    let cosines: Float64Array | undefined;
    if (queryVector !== undefined && this.itemVectors !== undefined) {
      cosines = new Float64Array(this.items.length);
      this.itemVectors.forEach((vector, index) => {
        (cosines as Float64Array)[index] = cosine(queryVector, vector);
      });
    }
    return { queryTerms, bm25, referenceScore, cosines };
  }

  /** Every item with its fused score, best first (ties keep input order). */
  fuse(evidence: RankingEvidence, settings: FusionSettings = DEFAULT_FUSION): RankedItem[] {
    const ranked = this.items.map((item, index): RankedItem => {
      const lexical = calibrateLexical(evidence.bm25[index] ?? 0, evidence.referenceScore);
      if (evidence.cosines === undefined)
        return { index, id: item.id, score: lexical, lexical, semantic: null };
      const semantic = calibrateSemantic(evidence.cosines[index] ?? 0, settings);
      const score =
        this.mode === 'semantic'
          ? semantic
          : settings.lexicalWeight * lexical + (1 - settings.lexicalWeight) * semantic;
      return { index, id: item.id, score, lexical, semantic };
    });
    return ranked.sort((left, right) => right.score - left.score || left.index - right.index);
  }

  async rank(query: string, options: { signal?: AbortSignal | undefined; fusion?: FusionSettings } = {}) {
    return this.fuse(await this.evidence(query, options), options.fusion);
  }

  matchedTerms(queryTerms: readonly string[], itemIndex: number): TermContribution[] {
    return this.#index.matchedTerms(queryTerms, itemIndex);
  }
}
