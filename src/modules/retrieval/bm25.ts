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

/**
 * Which query terms generate candidates. Scoring every chunk that contains any query word makes a query
 * with one common word ("film", "city") cost a scan of much of the collection; like Lucene's cutoff
 * frequency, words whose chunks exceed `budget` (together, rarest first) only add to the score of
 * chunks found by the rarer ones. The rarest term always generates candidates. The effect on quality is
 * measured in docs/retrieval.md.
 */
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
export const LEXICAL_CANDIDATE_BUDGET = 4_000;
