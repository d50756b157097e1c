import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** DBpedia-Entity (BEIR layout) as shipped in ../shared/datasets: 5,000 abstracts, 50 queries, graded qrels. */
export const DATASET_DIR = path.resolve(
  import.meta.dirname,
  '../../../../shared/datasets/dbpedia-entity-subset',
);

export interface CorpusDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface Query {
  readonly id: string;
  readonly text: string;
  /** Graded judgements: document id -> 0, 1 or 2. */
  readonly judgements: ReadonlyMap<string, number>;
}

export interface Dataset {
  readonly corpus: readonly CorpusDocument[];
  /** Only the queries with at least one positive judgement (the README's 40). */
  readonly queries: readonly Query[];
  /** How the documents are given to Keel's ingestion (default text/plain). */
  readonly mediaType?: 'text/plain' | 'text/markdown';
}

export async function loadDataset(directory: string = DATASET_DIR): Promise<Dataset> {
  const lines = async (file: string) =>
    (await readFile(path.join(directory, file), 'utf8')).trim().split('\n');
  const corpus = (await lines('corpus.jsonl')).map((line) => {
    const record = JSON.parse(line) as { _id: string; title: string; text: string };
    return { id: record._id, title: record.title, text: record.text };
  });
  const judgements = new Map<string, Map<string, number>>();
  for (const line of (await lines('qrels/test.tsv')).slice(1)) {
    const [query = '', document = '', score = '0'] = line.split('\t');
    if (!judgements.has(query)) judgements.set(query, new Map());
    judgements.get(query)?.set(document, Number(score));
  }
  const queries = (await lines('queries.jsonl'))
    .map((line) => JSON.parse(line) as { _id: string; text: string })
    .map((record) => ({
      id: record._id,
      text: record.text,
      judgements: judgements.get(record._id) ?? new Map<string, number>(),
    }))
    .filter((query) => [...query.judgements.values()].some((score) => score > 0));
  return { corpus, queries };
}

/** nDCG@k with linear gains (as BEIR's pytrec_eval computes it). */
export function ndcgAt(ranked: readonly string[], judgements: ReadonlyMap<string, number>, k = 10): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((id, index) => {
    dcg += (judgements.get(id) ?? 0) / Math.log2(index + 2);
  });
  const ideal = [...judgements.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function recallAt(ranked: readonly string[], judgements: ReadonlyMap<string, number>, k = 10): number {
  const relevant = [...judgements].filter(([, score]) => score > 0).map(([id]) => id);
  const top = new Set(ranked.slice(0, k));
  return relevant.length === 0 ? 0 : relevant.filter((id) => top.has(id)).length / relevant.length;
}

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have he her his i in is it its of on or she that the their they this to was were will with'.split(
    ' ',
  ),
);

/**
 * The baseline: a plain Okapi BM25 (k1 = 0.9, b = 0.4, lower-cased alphanumeric tokens, a short English stop
 * list) over title + text, the settings the dataset's README quotes. No stemming, no field weights.
 */
export class PlainBm25 {
  readonly #documents: ReadonlyArray<{ id: string; frequencies: Map<string, number>; length: number }>;
  readonly #documentFrequency = new Map<string, number>();
  readonly #averageLength: number;

  constructor(corpus: readonly CorpusDocument[]) {
    this.#documents = corpus.map((document) => {
      const tokens = tokens_(`${document.title} ${document.text}`);
      const frequencies = new Map<string, number>();
      for (const token of tokens) frequencies.set(token, (frequencies.get(token) ?? 0) + 1);
      for (const token of frequencies.keys())
        this.#documentFrequency.set(token, (this.#documentFrequency.get(token) ?? 0) + 1);
      return { id: document.id, frequencies, length: tokens.length };
    });
    this.#averageLength =
      this.#documents.reduce((sum, document) => sum + document.length, 0) / this.#documents.length;
  }

  rank(query: string, k = 100, k1 = 0.9, b = 0.4): string[] {
    const terms = [...new Set(tokens_(query))];
    const total = this.#documents.length;
    return this.#documents
      .map((document) => {
        let score = 0;
        for (const term of terms) {
          const frequency = document.frequencies.get(term) ?? 0;
          if (frequency === 0) continue;
          const df = this.#documentFrequency.get(term) ?? 0;
          const idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
          score +=
            (idf * frequency * (k1 + 1)) /
            (frequency + k1 * (1 - b + (b * document.length) / this.#averageLength));
        }
        return { id: document.id, score };
      })
      .filter((entry) => entry.score > 0)
      .sort((a, c) => c.score - a.score)
      .slice(0, k)
      .map((entry) => entry.id);
  }
}

function tokens_(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((token) => !STOP_WORDS.has(token));
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
