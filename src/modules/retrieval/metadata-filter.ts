import { z } from 'zod';

/** A metadata value a filter can match: documents may also hold arrays of these (tags). */
export type MetadataScalar = string | number | boolean;

/** Document metadata as the index keeps it on every chunk. */
export type ChunkMetadata = Readonly<Record<string, MetadataScalar | null | readonly MetadataScalar[]>>;

/**
 * `{ key: value }` matches chunks whose metadata `key` equals `value` or is an array containing it;
 * `{ key: [a, b] }` matches either. Every key must match.
 */
export type MetadataFilter = Readonly<Record<string, MetadataScalar | readonly MetadataScalar[]>>;

const scalarSchema = z.union([z.string().max(256), z.number(), z.boolean()]);

export const metadataFilterSchema = z
  .record(z.string().min(1).max(64), z.union([scalarSchema, z.array(scalarSchema).min(1).max(50)]))
  .refine((filter) => Object.keys(filter).length <= 10, { message: 'at most 10 keys' })
  .meta({
    id: 'MetadataFilter',
    description:
      'Every key must match. A scalar matches a metadata value equal to it, or an array containing it; a list matches any of its values.',
  });

/** The filter's alternatives per key, flattened: `{ lang: ['en', 'fr'] }` -> `[['lang', ['en', 'fr']]]`. */
export function filterClauses(filter: MetadataFilter): Array<readonly [string, readonly MetadataScalar[]]> {
  return Object.entries(filter).map(([key, value]) => [
    key,
    Array.isArray(value) ? value : [value as MetadataScalar],
  ]);
}

/** The reference semantics (the in-memory index uses it; the SQL index must agree). */
export function matchesFilter(metadata: ChunkMetadata, filter: MetadataFilter | undefined): boolean {
  if (!filter) return true;
  return filterClauses(filter).every(([key, accepted]) => {
    const value = metadata[key];
    if (value === undefined || value === null) return false;
    const held: readonly MetadataScalar[] = Array.isArray(value) ? value : [value as MetadataScalar];
    return accepted.some((candidate) => held.some((item) => item === candidate));
  });
}
