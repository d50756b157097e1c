import { sharedLocalEmbedder } from '../embedding/local-embedder.ts';
import { centroid, cosine } from '../embedding/vectors.ts';
import { ensureCountWithinLimit, ensureTextWithinLimit, invalidInput } from '../guards.ts';
import { documentFrequencies, sparseCosine, tfidfVector } from '../lexical/tfidf.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import type { LocalEngineOptions } from '../options.ts';
import { type EngineProvenance, provenance } from '../provenance.ts';
import { lexicalTerms } from '../text/analyze.ts';
import { DEFAULT_FUSION, HybridRanker, type RankedItem, type RankerItem } from './hybrid-ranker.ts';
import { selectByMmr } from './mmr.ts';

export interface RecommendationProfile {
  /** What the user is interested in, in words. */
  readonly text?: string;
  /** Ids of items (in `items`) the user liked: they shape the profile and are not recommended again. */
  readonly liked_ids?: readonly string[];
}

export interface RecommendRequest {
  readonly query?: string;
  readonly profile?: RecommendationProfile;
  readonly items: readonly RankerItem[];
  readonly k: number;
  /** 0 = pure relevance order, 1 = as varied as possible. Default 0.3. */
  readonly diversity?: number;
}

export interface Recommendation {
  readonly id: string;
  /** Relevance in 0..1 (the same fused score as `score`), before the diversity trade-off. */
  readonly score: number;
  readonly reason: string;
}

export interface RecommendResult extends EngineProvenance {
  readonly items: Recommendation[];
}

const PROFILE_TERMS_FROM_LIKES = 30;

/** A term that can carry meaning on its own: not a bare number ("3") or a single character. */
export function meaningful(term: string): boolean {
  return term.length >= 2 && !/^[\d.,:/-]+$/u.test(term);
}

function topTerms(termLists: readonly (readonly string[])[], limit: number, minimumShare = 1): string[] {
  const counts = new Map<string, number>();
  for (const terms of termLists)
    for (const term of new Set(terms)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([, count]) => count >= minimumShare)
    .sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))
    .slice(0, limit)
    .map(([term]) => term);
}

function quoteList(terms: readonly string[]): string {
  const quoted = terms.map((term) => `"${term}"`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

/**
 * Recommends `k` items for a query or a profile (free text and/or liked items): relevance is the fused
 * lexical + embedding score of `scoreItems`, diversity is MMR over item-item similarity (embedding
 * cosine, or TF-IDF cosine without embeddings), and each item says why from its matched terms.
 */
export async function recommend(
  request: RecommendRequest,
  options: LocalEngineOptions = {},
): Promise<RecommendResult> {
  const { items, k } = request;
  const diversity = request.diversity ?? 0.3;
  if (!Number.isInteger(k) || k < 1) throw invalidInput('k must be an integer >= 1');
  if (!(diversity >= 0 && diversity <= 1)) throw invalidInput('diversity must be between 0 and 1');
  ensureCountWithinLimit(items.length, 'items', LOCAL_ENGINE_LIMITS.maxItems);
  for (const item of items)
    ensureTextWithinLimit(item.text, `item ${item.id}`, LOCAL_ENGINE_LIMITS.maxItemChars);
  const queryText = [request.query, request.profile?.text].filter((part) => part !== undefined).join('\n');
  ensureTextWithinLimit(queryText, 'query and profile');
  const likedIds = new Set(request.profile?.liked_ids ?? []);
  const likedIndexes = items.flatMap((item, index) => (likedIds.has(item.id) ? [index] : []));
  if (queryText.trim().length === 0 && likedIndexes.length === 0) {
    throw invalidInput('give a query, a profile text or liked item ids that are among the items');
  }

  const embedder = options.embedder === null ? undefined : (options.embedder ?? sharedLocalEmbedder());
  const ranker = await HybridRanker.build(items, { embedder, signal: options.signal });
  const allOwnTerms = lexicalTerms(queryText);
  const ownTerms = allOwnTerms.some(meaningful) ? allOwnTerms.filter(meaningful) : allOwnTerms;
  // Liked items add their shared attributes; with a query of its own, only what several likes share,
  // so the likes' incidental words (a "3" in "3-season tent") never outvote what was asked.
  const likedTerms = topTerms(
    likedIndexes.map((index) => (ranker.itemTerms[index] ?? []).filter(meaningful)),
    PROFILE_TERMS_FROM_LIKES,
    ownTerms.length > 0 ? Math.min(2, likedIndexes.length + 1) : 1,
  );
  const queryTerms = [...ownTerms, ...likedTerms];
  let queryVector =
    queryText.trim().length === 0 ? undefined : await ranker.queryVector(queryText, options.signal);
  if (ranker.itemVectors !== undefined && likedIndexes.length > 0) {
    const parts = likedIndexes.map((index) => ranker.itemVectors?.[index] as Float32Array);
    const liked = centroid(parts, parts[0]?.length ?? 0);
    // The request's meaning leads; the likes shade it.
    queryVector =
      queryVector === undefined ? liked : centroid([queryVector, queryVector, liked], liked.length);
  }
  const ranked = ranker.fuse(ranker.evidenceFor(queryTerms, queryVector), DEFAULT_FUSION);
  const candidates = ranked.filter((item) => !likedIds.has(item.id));
  options.signal?.throwIfAborted();

  let similarity: (left: number, right: number) => number;
  const vectors = ranker.itemVectors;
  if (vectors !== undefined) {
    similarity = (left, right) =>
      cosine(
        vectors[candidates[left]?.index ?? 0] as Float32Array,
        vectors[candidates[right]?.index ?? 0] as Float32Array,
      );
  } else {
    const frequencies = documentFrequencies(ranker.itemTerms);
    const sparse = candidates.map((item) =>
      tfidfVector(ranker.itemTerms[item.index] ?? [], frequencies, items.length),
    );
    similarity = (left, right) => sparseCosine(sparse[left] ?? new Map(), sparse[right] ?? new Map());
  }
  const picked = selectByMmr(
    candidates.map((item) => item.score),
    similarity,
    Math.min(k, candidates.length),
    1 - diversity,
    options.signal,
  );

  return {
    ...provenance(vectors === undefined ? undefined : embedder?.modelId),
    items: picked.map((position) => {
      const item = candidates[position] as RankedItem;
      const matched = ranker
        .matchedTerms(queryTerms, item.index)
        .map((entry) => entry.term)
        .filter(meaningful)
        .slice(0, 3);
      let reason: string;
      if (matched.length > 0) {
        const fromLikes = matched.every((term) => !ownTerms.includes(term));
        reason = `Matches ${quoteList(matched)}${fromLikes ? ' from the items you liked' : ''}`;
      } else if (item.semantic !== null && item.semantic > 0) {
        reason = `Close in meaning to ${likedIndexes.length > 0 && ownTerms.length === 0 ? 'the items you liked' : 'the request'}, without shared words`;
      } else {
        reason = 'Added for variety: little in common with the request';
      }
      return { id: item.id, score: Math.round(item.score * 10_000) / 10_000, reason };
    }),
  };
}
