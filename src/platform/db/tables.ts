import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * The database schema as Kysely sees it: one interface per table, named after the module that owns it.
 * Migrations in ./migrations are the source of truth; these types follow them.
 */
export interface KeelTables {
  request_log: RequestLogTable;
  model_call: ModelCallTable;
  api_key: ApiKeyTable;
  document_collection: DocumentCollectionTable;
  document: DocumentTable;
  document_source: DocumentSourceTable;
  retrieval_collection: RetrievalCollectionTable;
  retrieval_chunk: RetrievalChunkTable;
  retrieval_term: RetrievalTermTable;
  job: JobTable;
  job_event: JobEventTable;
  job_step: JobStepTable;
  job_worker: JobWorkerTable;
  job_webhook_attempt: JobWebhookAttemptTable;
}

export interface RequestLogTable {
  id: string;
  tenant_id: string;
  capability: string | null;
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
  /** 0004: who called and how; null on rows written before it. */
  api_key_id: string | null;
  method: string | null;
  route: string | null;
  cost_usd: Generated<number>;
  trace_id: string | null;
}

/** Owned by the auth module (0004). The secret exists only as `secret_hash` (scrypt). */
export interface ApiKeyTable {
  id: string;
  name: string;
  tenant_id: string;
  scopes: JSONColumnType<string[]>;
  secret_hash: string;
  limits: JSONColumnType<object>;
  created_at: ColumnType<Date, Date | string, never>;
  expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  webhook_url: string | null;
  webhook_secret: string | null;
}

/** Owned by the gateway (0002): one row per model call. */
export interface ModelCallTable {
  id: string;
  request_id: string;
  tenant_id: string;
  source: string;
  operation: string;
  route: string;
  deployment: string | null;
  provider: string | null;
  model: string | null;
  outcome: string;
  error_code: string | null;
  input_tokens: number;
  output_tokens: number;
  tokens_estimated: boolean;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  attempts: number;
  retries: number;
  fallbacks: number;
  cache_hit: boolean;
  cost_usd: number | null;
  repair: number;
  created_at: ColumnType<Date, Date | string, never>;
  sequence: Generated<string>;
  /** 0011: who the call counts against (budgets are seeded from it); null on older rows and outside requests. */
  subject: string | null;
}

/** Owned by the documents module (0005). */
export interface DocumentCollectionTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  metadata: JSONColumnType<Record<string, unknown>>;
  chunking: JSONColumnType<{ maxTokens: number; overlapTokens: number }>;
  created_at: ColumnType<Date, Date | string, never>;
  updated_at: ColumnType<Date, Date | string, Date | string>;
  sequence: Generated<string>;
}

/** Owned by the documents module (0005). */
export interface DocumentTable {
  id: string;
  tenant_id: string;
  collection_id: string;
  title: string;
  title_given: boolean;
  source_name: string | null;
  media_type: string;
  byte_size: number;
  content_hash: string;
  metadata: JSONColumnType<Record<string, unknown>>;
  status: string;
  stage: string;
  progress: JSONColumnType<object | null>;
  error: JSONColumnType<object | null>;
  chunk_count: Generated<number>;
  character_count: Generated<number>;
  created_at: ColumnType<Date, Date | string, never>;
  updated_at: ColumnType<Date, Date | string, Date | string>;
  sequence: Generated<string>;
}

/** Owned by the documents module (0005): the uploaded bytes, kept for re-indexing. */
export interface DocumentSourceTable {
  document_id: string;
  tenant_id: string;
  content: Uint8Array;
}

/** Owned by the retrieval module (0005): a collection as the index sees it. */
export interface RetrievalCollectionTable {
  collection_id: string;
  tenant_id: string;
  embedding_model: string | null;
  embedding_dimensions: number | null;
  chunk_count: ColumnType<string, string | number, string | number>;
  lexical_length: ColumnType<string, string | number, string | number>;
  created_at: ColumnType<Date, Date | string, never>;
}

/** Owned by the retrieval module (0005). `search_vector` and the term arrays are written in SQL. */
export interface RetrievalChunkTable {
  id: string;
  tenant_id: string;
  collection_id: string;
  document_id: string;
  ordinal: number;
  title: string;
  heading_path: JSONColumnType<string[]>;
  content: string;
  start_offset: number;
  end_offset: number;
  page_start: number | null;
  page_end: number | null;
  token_count: number;
  metadata: JSONColumnType<Record<string, unknown>>;
  search_vector: string;
  terms: string[];
  term_hashes: number[];
  term_frequencies: number[];
  lexical_length: number;
}

/** Owned by the retrieval module (0005): BM25 document frequencies per collection. */
export interface RetrievalTermTable {
  collection_id: string;
  term: string;
  tenant_id: string;
  chunk_count: number;
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** Owned by the jobs module (0003): one row per job, the state clients see. */
export interface JobTable {
  id: string;
  tenant_id: string;
  api_key_id: string | null;
  request_id: string;
  capability: string;
  capability_version: string;
  input: JSONColumnType<object | null>;
  status: string;
  attempts: Generated<number>;
  max_attempts: number;
  timeout_ms: number;
  backoff: JSONColumnType<{ initialMs: number; maxMs: number }>;
  result: JSONColumnType<object | null>;
  error: JSONColumnType<Record<string, unknown> | null>;
  idempotency_key: string | null;
  request_hash: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  cancel_requested_at: NullableTimestamp;
  worker_id: string | null;
  delivery_id: string | null;
  run_after: NullableTimestamp;
  event_seq: Generated<number>;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  attempt_started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
  sequence: Generated<string>;
}

/** Owned by the jobs module (0003): a job's ordered events; `seq` is the per-job event id. */
export interface JobEventTable {
  job_id: string;
  seq: number;
  type: string;
  data: JSONColumnType<Record<string, unknown>>;
  created_at: Timestamp;
}

/** Owned by the jobs module (0003): completed workflow steps, so a redelivered job skips them. */
export interface JobStepTable {
  job_id: string;
  name: string;
  result: JSONColumnType<object | null>;
  attempt: number;
  started_at: Timestamp;
  finished_at: Timestamp;
}

/** Owned by the jobs module (0003): live worker processes; a stale heartbeat ends their lease. */
export interface JobWorkerTable {
  id: string;
  host: string;
  pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}

/** Owned by the jobs module (0003): the webhook delivery log, one row per attempt. */
export interface JobWebhookAttemptTable {
  delivery_id: string;
  attempt: number;
  job_id: string;
  tenant_id: string;
  event_type: string;
  url: string;
  outcome: string;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
  next_attempt_at: NullableTimestamp;
  created_at: Timestamp;
}
