/** Okapi BM25 parameters; k1 = 0.9, b = 0.4 are the usual settings for BEIR-style collections. */
export interface Bm25Parameters {
  readonly k1: number;
  readonly b: number;
}

export const DEFAULT_BM25: Bm25Parameters = Object.freeze({ k1: 0.9, b: 0.4 });

interface Posting {
  readonly documents: number[];
  readonly frequencies: number[];
}

export interface TermContribution {
  readonly term: string;
  readonly contribution: number;
}

/**
 * An in-memory Okapi BM25 index over pre-tokenised documents (use `lexicalTerms` for the engine's
 * lemmatised tokens). IDF is Lucene's `ln(1 + (N - df + 0.5) / (df + 0.5))`, positive even for a term
 * in every document, so it behaves on corpora of two or three items.
 */
export class Bm25Index {
  readonly parameters: Bm25Parameters;
  readonly #postings = new Map<string, Posting>();
  readonly #lengths: Float64Array;
  readonly #averageLength: number;

  constructor(documents: readonly (readonly string[])[], parameters: Bm25Parameters = DEFAULT_BM25) {
    this.parameters = parameters;
    this.#lengths = new Float64Array(documents.length);
    let total = 0;
    documents.forEach((terms, documentIndex) => {
      this.#lengths[documentIndex] = terms.length;
      total += terms.length;
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, frequency] of counts) {
        let posting = this.#postings.get(term);
        if (posting === undefined) {
          posting = { documents: [], frequencies: [] };
          this.#postings.set(term, posting);
        }
        posting.documents.push(documentIndex);
        posting.frequencies.push(frequency);
      }
    });
    this.#averageLength = documents.length === 0 ? 0 : total / documents.length;
  }

  get size(): number {
    return this.#lengths.length;
  }

  documentFrequency(term: string): number {
    return this.#postings.get(term)?.documents.length ?? 0;
  }

  idf(term: string): number {
    const documentFrequency = this.documentFrequency(term);
    return Math.log(1 + (this.size - documentFrequency + 0.5) / (documentFrequency + 0.5));
  }

  #termWeight(frequency: number, documentIndex: number): number {
    const { k1, b } = this.parameters;
    const length = this.#lengths[documentIndex] ?? 0;
    const norm = this.#averageLength === 0 ? 1 : 1 - b + (b * length) / this.#averageLength;
    return (frequency * (k1 + 1)) / (frequency + k1 * norm);
  }

  /** BM25 of every document for the query, indexed like the documents. */
  score(queryTerms: readonly string[]): Float64Array {
    const scores = new Float64Array(this.size);
    for (const [term, queryFrequency] of countTerms(queryTerms)) {
      const posting = this.#postings.get(term);
      if (posting === undefined) continue;
      const idf = this.idf(term) * queryFrequency;
      for (let index = 0; index < posting.documents.length; index++) {
        const documentIndex = posting.documents[index] ?? 0;
        scores[documentIndex] =
          (scores[documentIndex] ?? 0) +
          idf * this.#termWeight(posting.frequencies[index] ?? 0, documentIndex);
      }
    }
    return scores;
  }

  /**
   * What a document of average length holding each query term once would score: the unit that maps a
   * BM25 score onto 0..1 (`min(1, score / referenceScore)`) comparably across queries and corpora.
   */
  referenceScore(queryTerms: readonly string[]): number {
    let total = 0;
    for (const [term, queryFrequency] of countTerms(queryTerms)) total += this.idf(term) * queryFrequency;
    return total;
  }

  /** Query terms a document contains, by their share of its BM25 score, largest first. */
  matchedTerms(queryTerms: readonly string[], documentIndex: number): TermContribution[] {
    const matched: TermContribution[] = [];
    for (const [term, queryFrequency] of countTerms(queryTerms)) {
      const posting = this.#postings.get(term);
      if (posting === undefined) continue;
      const position = posting.documents.indexOf(documentIndex);
      if (position < 0) continue;
      const contribution =
        this.idf(term) * queryFrequency * this.#termWeight(posting.frequencies[position] ?? 0, documentIndex);
      matched.push({ term, contribution });
    }
    return matched.sort((left, right) => right.contribution - left.contribution);
  }
}

function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
