import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The BEIR-layout IR collection in ../shared/datasets/dbpedia-entity-subset (see its README). */
export const DBPEDIA_DIR = path.resolve(
  import.meta.dirname,
  '../../../shared/datasets/dbpedia-entity-subset',
);

export interface IrCollection {
  readonly documents: readonly { readonly id: string; readonly title: string; readonly text: string }[];
  readonly queries: readonly { readonly id: string; readonly text: string }[];
  /** query id -> document id -> grade (0-2). */
  readonly judgements: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export async function loadDbpedia(directory = DBPEDIA_DIR): Promise<IrCollection> {
  const lines = async (file: string) =>
    (await readFile(path.join(directory, file), 'utf8')).split('\n').filter((line) => line.trim().length > 0);
  const documents = (await lines('corpus.jsonl')).map((line) => {
    const parsed = JSON.parse(line) as { _id: string; title: string; text: string };
    return { id: parsed._id, title: parsed.title, text: parsed.text };
  });
  const queries = (await lines('queries.jsonl')).map((line) => {
    const parsed = JSON.parse(line) as { _id: string; text: string };
    return { id: parsed._id, text: parsed.text };
  });
  const judgements = new Map<string, Map<string, number>>();
  for (const line of (await lines('qrels/test.tsv')).slice(1)) {
    const [queryId, documentId, grade] = line.split('\t');
    if (queryId === undefined || documentId === undefined) continue;
    let forQuery = judgements.get(queryId);
    if (forQuery === undefined) {
      forQuery = new Map();
      judgements.set(queryId, forQuery);
    }
    forQuery.set(documentId, Number(grade));
  }
  return { documents, queries, judgements };
}

const PLAIN_STOP_WORDS = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
);

/** The README's plain BM25 tokenizer: lower-cased alphanumeric tokens minus a short English stop list. */
export function plainTokens(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((token) => !PLAIN_STOP_WORDS.has(token));
}
