import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * The database schema as Kysely sees it: one interface per table, named after the module that owns it.
 * Migrations in ./migrations are the source of truth; these types follow them.
 */
export interface KeelTables {
  request_log: RequestLogTable;
}

export interface RequestLogTable {
  id: string;
  tenant_id: string;
  capability: string;
  outcome: string;
  http_status: number;
  error_code: string | null;
  models: JSONColumnType<string[]>;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  input: JSONColumnType<object | null>;
  output: JSONColumnType<object | null>;
  created_at: ColumnType<Date, Date | string, never>;
  sequence: Generated<string>;
}
