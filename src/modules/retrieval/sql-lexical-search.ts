import { type Kysely, sql } from 'kysely';
import type { KeelTables } from '../../platform/db/index.ts';
import { type CandidatePlan, candidatePlan, inverseDocumentFrequency, type QueryTerm } from './bm25.ts';
import { BM25, type IndexHit, type SearchScope } from './chunk-index.port.ts';
import { scopeFilterSql } from './sql-filters.ts';

/** Distinct query words that are scored; a longer query keeps its rarest. */
const MAX_QUERY_TERMS = 64;

/** The language configuration of every tsvector Keel writes and every query it parses. */
export const TEXT_SEARCH_CONFIG = 'english';

/**
 * BM25 in SQL: PostgreSQL's `english` configuration makes the lexemes (stemmed, stop words out), the GIN
 * index on `search_vector` finds candidate chunks, and each candidate is scored from its stored term
 * frequencies and length with document frequencies kept per collection in `retrieval_term`. Two
 * statements: the query's terms with their statistics, then the scoring, limited by the candidate budget.
 */
export async function sqlLexicalSearch(
  db: Kysely<KeelTables>,
  scope: SearchScope,
  query: string,
  candidateBudget: number,
): Promise<IndexHit[]> {
  const collectionIds = [...scope.collectionIds];
  const { rows: statistics } = await sql<{
    term: string | null;
    hash: number | null;
    frequency: number;
    chunks: number;
    length: number;
  }>`
    with totals as (
      select coalesce(sum(chunk_count), 0)::float8 as chunks, coalesce(sum(lexical_length), 0)::float8 as length
      from retrieval_collection
      where tenant_id = ${scope.tenantId} and collection_id = any(${collectionIds}::text[])
    ),
    query_terms as (
      select distinct term from unnest(tsvector_to_array(to_tsvector(${TEXT_SEARCH_CONFIG}::regconfig, ${query}))) as term
    )
    select q.term, hashtext(q.term) as hash, coalesce((
        select sum(t.chunk_count) from retrieval_term t
        where t.tenant_id = ${scope.tenantId} and t.collection_id = any(${collectionIds}::text[]) and t.term = q.term
      ), 0)::float8 as frequency, totals.chunks, totals.length
    from totals left join query_terms q on true`.execute(db);

  const chunkCount = statistics[0]?.chunks ?? 0;
  if (chunkCount === 0) return [];
  const averageLength = (statistics[0]?.length ?? 0) / chunkCount;
  const terms: Array<QueryTerm & { readonly hash: number }> = statistics
    .filter(
      (row): row is typeof row & { term: string; hash: number } => row.term !== null && row.frequency > 0,
    )
    .map((row) => ({
      term: row.term,
      hash: row.hash,
      documentFrequency: row.frequency,
      idf: inverseDocumentFrequency(chunkCount, row.frequency),
    }))
    // A pasted paragraph as a query: its rarest words decide, and the statement stays small.
    .sort((a, b) => a.documentFrequency - b.documentFrequency)
    .slice(0, MAX_QUERY_TERMS);
  const candidates = candidatePlan(terms, candidateBudget, chunkCount);
  if (candidates.singles.length === 0) return [];

  const frequencies = terms.map(
    (term, index) =>
      sql`coalesce(c.term_frequencies[array_position(c.term_hashes, ${term.hash}::int)], 0)::float8 as ${sql.ref(`f${index}`)}`,
  );
  // idf·f·(k1+1)/(f+norm) written as idf·(k1+1)·(1 − norm/(f+norm)): f appears once, so PostgreSQL
  // evaluates each term's array lookup once per candidate (a third of the time, measured).
  const score = sql.join(
    terms.map(
      (term, index) =>
        sql`${term.idf * (BM25.k1 + 1)}::float8 * (1 - k.norm / (${sql.ref(`t.f${index}`)} + k.norm))`,
    ),
    sql` + `,
  );
  const { rows } = await sql<{ chunk_id: string; score: number }>`
    select c.id as chunk_id, (${score})::float8 as score
    from retrieval_chunk c
    cross join lateral (
      select ${BM25.k1}::float8 * (1 - ${BM25.b}::float8 + ${BM25.b}::float8 * c.lexical_length / ${averageLength}::float8) as norm
    ) k
    cross join lateral (select ${sql.join(frequencies)}) t
    where c.tenant_id = ${scope.tenantId}
      and c.collection_id = any(${collectionIds}::text[])
      and c.search_vector @@ ${tsQuery(candidates)}::tsquery
      and ${scopeFilterSql(scope.filter, scope.documentIds)}
    order by score desc, c.id
    limit ${scope.limit}`.execute(db);
  return rows.map((row) => ({ chunkId: row.chunk_id, score: row.score }));
}

/** `'a' | 'b' | ('c' & 'd')`, each lexeme quoted as tsquery input wants (quote doubled, backslash escaped). */
function tsQuery(plan: CandidatePlan): string {
  const quoted = ({ term }: QueryTerm) => `'${term.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  return [
    ...plan.singles.map(quoted),
    ...plan.pairs.map(([first, second]) => `(${quoted(first)} & ${quoted(second)})`),
  ].join(' | ');
}
