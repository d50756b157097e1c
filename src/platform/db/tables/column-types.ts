import type { ColumnType } from 'kysely';

/** A `timestamptz` set when the row is written and never changed (read back as a Date). */
export type CreatedAt = ColumnType<Date, Date | string, never>;

/** A `timestamptz` that updates may change. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/**
 * A `jsonb` column whose value is a module's domain type (platform may not import modules): written as
 * `jsonParameter` text, read back parsed as `unknown`, and narrowed once by the store that owns the table.
 */
export type JsonValue = ColumnType<unknown, string, string>;

/** A nullable `jsonb` column holding a module's domain type; see `JsonValue`. */
export type NullableJsonValue = ColumnType<unknown, string | null, string | null>;
