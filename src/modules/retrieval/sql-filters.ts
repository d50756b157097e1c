import { type RawBuilder, sql } from 'kysely';
import { jsonParameter } from '../../platform/db/index.ts';
import { filterClauses, type MetadataFilter } from './metadata-filter.ts';

/**
 * The metadata and document filters of a search as SQL over `retrieval_chunk c`, with the semantics of
 * `matchesFilter`: a scalar equal to the value, or an array containing it (`@>` on jsonb does both).
 */
export function scopeFilterSql(
  filter: MetadataFilter | undefined,
  documentIds: readonly string[] | undefined,
): RawBuilder<boolean> {
  const clauses: RawBuilder<unknown>[] = [];
  if (documentIds !== undefined) clauses.push(sql`c.document_id = any(${[...documentIds]}::text[])`);
  for (const [key, accepted] of filter ? filterClauses(filter) : []) {
    const alternatives = accepted.flatMap((value) => [
      sql`c.metadata @> ${jsonParameter({ [key]: value })}::jsonb`,
      sql`c.metadata @> ${jsonParameter({ [key]: [value] })}::jsonb`,
    ]);
    clauses.push(sql`(${sql.join(alternatives, sql` or `)})`);
  }
  return clauses.length === 0 ? sql<boolean>`true` : sql<boolean>`${sql.join(clauses, sql` and `)}`;
}

export function needsChunkJoin(
  filter: MetadataFilter | undefined,
  documentIds: readonly string[] | undefined,
): boolean {
  return documentIds !== undefined || (filter !== undefined && Object.keys(filter).length > 0);
}
