import { BM25 } from './chunk-index.port.ts';

/** Lucene's idf, positive even for a term in every chunk, so tiny collections still rank. */
export function inverseDocumentFrequency(chunkCount: number, documentFrequency: number): number {
  return Math.log(1 + (chunkCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

/** One term's BM25 contribution for a chunk. */
export function termScore(idf: number, frequency: number, length: number, averageLength: number): number {
  if (frequency <= 0) return 0;
  const norm = BM25.k1 * (1 - BM25.b + (BM25.b * length) / (averageLength || 1));
  return (idf * frequency * (BM25.k1 + 1)) / (frequency + norm);
}

export interface QueryTerm {
  readonly term: string;
  readonly documentFrequency: number;
  readonly idf: number;
}

/** The candidate set of a lexical search: chunks holding any of `singles`, or both terms of any pair. */
export interface CandidatePlan {
  readonly singles: readonly QueryTerm[];
  readonly pairs: ReadonlyArray<readonly [QueryTerm, QueryTerm]>;
}

/** At most this many of the commoner terms form pairs (n·(n−1)/2 pairs at most). */
const PAIRED_TERMS = 8;

/**
 * Which chunks a lexical search scores. Scoring every chunk that holds any query word makes a query with
 * one common word ("film", "city") cost a scan of much of the collection. So, like Lucene's cutoff
 * frequency, terms are taken rarest first while their chunks fit in `budget`, and each of them brings its
 * chunks; the commoner terms only bring chunks that hold two query terms (a GIN index intersects those
 * cheaply; pairs too are taken within the budget), so a chunk that matches the query on one common word
 * alone is not scored: it could only have scored low. The rarest word always brings its chunks (leaving it
 * out when it is common lost half of the exact top 10, measured). The effect on quality and speed is measured in
 * docs/retrieval.md (overlap of the top 10 with exact BM25).
 */
export function candidatePlan(
  terms: readonly QueryTerm[],
  budget: number,
  chunkCount: number,
): CandidatePlan {
  const singles = candidateTerms(terms, budget);
  const rest = terms
    .filter((term) => term.documentFrequency > 0 && !singles.includes(term))
    .sort((a, b) => a.documentFrequency - b.documentFrequency)
    .slice(0, PAIRED_TERMS);
  // A pair with a single in it would add nothing: the single brings all its chunks already. Pairs are
  // taken smallest first (by the size they would have if words were independent) within the budget.
  const candidates: Array<{ pair: readonly [QueryTerm, QueryTerm]; size: number }> = [];
  for (const [index, first] of rest.entries()) {
    for (const second of rest.slice(index + 1)) {
      candidates.push({
        pair: [first, second],
        size: (first.documentFrequency * second.documentFrequency) / Math.max(1, chunkCount),
      });
    }
  }
  const pairs: Array<readonly [QueryTerm, QueryTerm]> = [];
  let total = 0;
  for (const { pair, size } of candidates.sort((a, b) => a.size - b.size)) {
    if (total + size > budget) break;
    pairs.push(pair);
    total += size;
  }
  return { singles, pairs };
}

/** The terms whose chunks all get scored: rarest first, within `budget` chunks, at least one. */
export function candidateTerms(terms: readonly QueryTerm[], budget: number): QueryTerm[] {
  const present = terms.filter((term) => term.documentFrequency > 0);
  const byRarity = [...present].sort((a, b) => a.documentFrequency - b.documentFrequency);
  const chosen: QueryTerm[] = [];
  let total = 0;
  for (const term of byRarity) {
    if (chosen.length > 0 && total + term.documentFrequency > budget) break;
    chosen.push(term);
    total += term.documentFrequency;
  }
  return chosen;
}

/** Default candidate budget of a lexical search (chunks), see `candidateTerms`. */
export const LEXICAL_CANDIDATE_BUDGET = 1_000;
