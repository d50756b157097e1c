import { sharedLocalEmbedder } from '../embedding/local-embedder.ts';
import { ensureCountWithinLimit, ensureTextWithinLimit } from '../guards.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import type { LocalEngineOptions } from '../options.ts';
import { type EngineProvenance, provenance } from '../provenance.ts';
import {
  DEFAULT_FUSION,
  type FusionSettings,
  HybridRanker,
  type RankerItem,
  type RankingMode,
} from './hybrid-ranker.ts';

export interface ScoreRequest {
  readonly query: string;
  readonly items: readonly RankerItem[];
  /** Default `hybrid`; `lexical` never loads the embedder. */
  readonly mode?: RankingMode;
}

export interface ItemScore {
  readonly id: string;
  /** Fused relevance in 0..1 (see `FusionSettings`): comparable across queries and calls. */
  readonly score: number;
  /** 1 = most relevant; equal scores keep the input order. */
  readonly rank: number;
  readonly lexical: number;
  readonly semantic: number | null;
}

export interface ScoreResult extends EngineProvenance {
  /** Best first. */
  readonly scores: ItemScore[];
}

export interface ScoreOptions extends LocalEngineOptions {
  readonly fusion?: FusionSettings;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** Relevance of each item to the query by fused BM25 + USE-lite similarity, calibrated to 0..1, ranked. */
export async function scoreItems(request: ScoreRequest, options: ScoreOptions = {}): Promise<ScoreResult> {
  ensureTextWithinLimit(request.query, 'query');
  ensureCountWithinLimit(request.items.length, 'items', LOCAL_ENGINE_LIMITS.maxItems);
  for (const item of request.items)
    ensureTextWithinLimit(item.text, `item ${item.id}`, LOCAL_ENGINE_LIMITS.maxItemChars);
  options.signal?.throwIfAborted();
  const mode = request.mode ?? 'hybrid';
  const embedder =
    mode === 'lexical' || options.embedder === null ? undefined : (options.embedder ?? sharedLocalEmbedder());
  const ranker = await HybridRanker.build(request.items, { embedder, signal: options.signal, mode });
  const ranked = await ranker.rank(request.query, {
    signal: options.signal,
    fusion: options.fusion ?? DEFAULT_FUSION,
  });
  return {
    ...provenance(ranker.mode === 'lexical' ? undefined : embedder?.modelId),
    scores: ranked.map((item, position) => ({
      id: item.id,
      score: round(item.score),
      rank: position + 1,
      lexical: round(item.lexical),
      semantic: item.semantic === null ? null : round(item.semantic),
    })),
  };
}
