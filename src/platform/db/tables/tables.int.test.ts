import { type ColumnType, sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnEveryDatabase } from '../../../../test/support/sql-suites.ts';
import type { KeelTables } from './index.ts';

type EitherNullability = 'null' | 'not null';

/** What a plain column's type says about NULL; `unknown` (a module's domain type) says nothing. */
type NullabilityOf<Select> = unknown extends Select
  ? EitherNullability
  : null extends Select
    ? 'null'
    : 'not null';

/**
 * What a column's type says about SQL NULL. A jsonb column (written as text, read as something else)
 * says nothing: JSON `null` reads back as null from a NOT NULL column too. Where the type says nothing,
 * the listing below decides and the database checks it.
 */
type Nullability<Column> =
  Column extends ColumnType<infer Select, infer Insert, infer _Update>
    ? [Insert] extends [string | null]
      ? [Select] extends [string | null]
        ? NullabilityOf<Select>
        : EitherNullability
      : NullabilityOf<Select>
    : NullabilityOf<Column>;

/** Every table and column of KeelTables with its nullability: the compiler holds this listing to the types. */
type Columns = {
  [Table in keyof KeelTables]: {
    [Column in keyof KeelTables[Table]]-?: Nullability<KeelTables[Table][Column]>;
  };
};

const columns: Columns = {
  agent_action: {
    id: 'not null',
    run_id: 'not null',
    tenant_id: 'not null',
    step: 'not null',
    tool_call_id: 'not null',
    tool_name: 'not null',
    arguments: 'not null',
    status: 'not null',
    allowed_by: 'null',
    decided_by: 'null',
    decision_reason: 'null',
    result: 'null',
    error: 'null',
    created_at: 'not null',
    updated_at: 'not null',
    sequence: 'not null',
  },
  agent_event: {
    run_id: 'not null',
    id: 'not null',
    type: 'not null',
    data: 'not null',
    created_at: 'not null',
  },
  agent_run: {
    id: 'not null',
    tenant_id: 'not null',
    api_key_id: 'null',
    request_id: 'not null',
    status: 'not null',
    outcome: 'null',
    goal: 'not null',
    instructions: 'null',
    model: 'null',
    tools: 'not null',
    approval_required: 'not null',
    limits: 'not null',
    usage: 'not null',
    messages: 'not null',
    pending_calls: 'not null',
    pending_action_id: 'null',
    segment: 'not null',
    output: 'null',
    error: 'null',
    created_at: 'not null',
    updated_at: 'not null',
    finished_at: 'null',
  },
  api_key: {
    id: 'not null',
    name: 'not null',
    tenant_id: 'not null',
    scopes: 'not null',
    secret_hash: 'not null',
    limits: 'not null',
    created_at: 'not null',
    expires_at: 'null',
    revoked_at: 'null',
    last_used_at: 'null',
    webhook_url: 'null',
    webhook_secret: 'null',
    guardrails: 'not null',
  },
  conversation: {
    id: 'not null',
    tenant_id: 'not null',
    title: 'not null',
    system: 'null',
    message_count: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    sequence: 'not null',
  },
  conversation_message: {
    conversation_id: 'not null',
    position: 'not null',
    tenant_id: 'not null',
    role: 'not null',
    content: 'not null',
    request_id: 'not null',
    model: 'null',
    input_tokens: 'null',
    output_tokens: 'null',
    created_at: 'not null',
  },
  document: {
    id: 'not null',
    tenant_id: 'not null',
    collection_id: 'not null',
    title: 'not null',
    title_given: 'not null',
    source_name: 'null',
    media_type: 'not null',
    byte_size: 'not null',
    content_hash: 'not null',
    metadata: 'not null',
    status: 'not null',
    stage: 'not null',
    progress: 'null',
    error: 'null',
    chunk_count: 'not null',
    character_count: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    sequence: 'not null',
  },
  document_collection: {
    id: 'not null',
    tenant_id: 'not null',
    name: 'not null',
    description: 'null',
    metadata: 'not null',
    chunking: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    sequence: 'not null',
  },
  document_source: {
    document_id: 'not null',
    tenant_id: 'not null',
    content: 'not null',
  },
  eval_dataset: {
    tenant_id: 'not null',
    id: 'not null',
    name: 'not null',
    capability: 'not null',
    description: 'not null',
    version: 'not null',
    item_count: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  eval_dataset_item: {
    tenant_id: 'not null',
    dataset_id: 'not null',
    position: 'not null',
    id: 'not null',
    version: 'not null',
    input: 'not null',
    expected: 'null',
    reference: 'null',
    metadata: 'not null',
    feedback_id: 'null',
    created_at: 'not null',
  },
  eval_result: {
    tenant_id: 'not null',
    run_id: 'not null',
    item_id: 'not null',
    variant: 'not null',
    position: 'not null',
    output: 'null',
    scores: 'not null',
    latency_ms: 'not null',
    input_tokens: 'not null',
    output_tokens: 'not null',
    cost_usd: 'null',
    error: 'null',
  },
  eval_run: {
    tenant_id: 'not null',
    id: 'not null',
    dataset_id: 'not null',
    dataset_version: 'not null',
    capability: 'not null',
    variants: 'not null',
    scorers: 'not null',
    concurrency: 'not null',
    status: 'not null',
    job_id: 'null',
    completed: 'not null',
    total: 'not null',
    summary: 'null',
    error: 'null',
    created_at: 'not null',
    started_at: 'null',
    finished_at: 'null',
  },
  feedback: {
    tenant_id: 'not null',
    id: 'not null',
    request_id: 'not null',
    capability: 'not null',
    rating_kind: 'null',
    rating_value: 'null',
    label: 'null',
    comment: 'null',
    correction: 'null',
    api_key_id: 'null',
    created_at: 'not null',
  },
  job: {
    id: 'not null',
    tenant_id: 'not null',
    api_key_id: 'null',
    request_id: 'not null',
    capability: 'not null',
    capability_version: 'not null',
    input: 'not null',
    status: 'not null',
    attempts: 'not null',
    max_attempts: 'not null',
    timeout_ms: 'not null',
    backoff: 'not null',
    result: 'null',
    error: 'null',
    idempotency_key: 'null',
    request_hash: 'null',
    webhook_url: 'null',
    webhook_secret: 'null',
    cancel_requested_at: 'null',
    worker_id: 'null',
    delivery_id: 'null',
    run_after: 'null',
    event_seq: 'not null',
    created_at: 'not null',
    started_at: 'null',
    attempt_started_at: 'null',
    finished_at: 'null',
    updated_at: 'not null',
    sequence: 'not null',
  },
  job_event: {
    job_id: 'not null',
    seq: 'not null',
    type: 'not null',
    data: 'not null',
    created_at: 'not null',
  },
  job_step: {
    job_id: 'not null',
    name: 'not null',
    result: 'null',
    attempt: 'not null',
    started_at: 'not null',
    finished_at: 'not null',
  },
  job_webhook_attempt: {
    delivery_id: 'not null',
    attempt: 'not null',
    job_id: 'not null',
    tenant_id: 'not null',
    event_type: 'not null',
    url: 'not null',
    outcome: 'not null',
    response_status: 'null',
    error: 'null',
    duration_ms: 'not null',
    next_attempt_at: 'null',
    created_at: 'not null',
  },
  job_worker: {
    id: 'not null',
    host: 'not null',
    pid: 'not null',
    started_at: 'not null',
    heartbeat_at: 'not null',
  },
  model_call: {
    id: 'not null',
    request_id: 'not null',
    tenant_id: 'not null',
    source: 'not null',
    operation: 'not null',
    route: 'not null',
    deployment: 'null',
    provider: 'null',
    model: 'null',
    outcome: 'not null',
    error_code: 'null',
    input_tokens: 'not null',
    output_tokens: 'not null',
    tokens_estimated: 'not null',
    latency_ms: 'not null',
    time_to_first_token_ms: 'null',
    attempts: 'not null',
    retries: 'not null',
    fallbacks: 'not null',
    cache_hit: 'not null',
    cost_usd: 'null',
    repair: 'not null',
    created_at: 'not null',
    sequence: 'not null',
    subject: 'null',
  },
  request_log: {
    id: 'not null',
    tenant_id: 'not null',
    capability: 'null',
    outcome: 'not null',
    http_status: 'not null',
    error_code: 'null',
    models: 'not null',
    input_tokens: 'not null',
    output_tokens: 'not null',
    latency_ms: 'not null',
    input: 'not null',
    output: 'null',
    created_at: 'not null',
    sequence: 'not null',
    api_key_id: 'null',
    method: 'null',
    route: 'null',
    cost_usd: 'not null',
    trace_id: 'null',
    guardrails: 'null',
  },
  retrieval_chunk: {
    id: 'not null',
    tenant_id: 'not null',
    collection_id: 'not null',
    document_id: 'not null',
    ordinal: 'not null',
    title: 'not null',
    heading_path: 'not null',
    content: 'not null',
    start_offset: 'not null',
    end_offset: 'not null',
    page_start: 'null',
    page_end: 'null',
    token_count: 'not null',
    metadata: 'not null',
    search_vector: 'not null',
    terms: 'not null',
    term_hashes: 'not null',
    term_frequencies: 'not null',
    lexical_length: 'not null',
  },
  retrieval_chunk_vector: {
    chunk_id: 'not null',
    tenant_id: 'not null',
    collection_id: 'not null',
    dimensions: 'not null',
    embedding: 'not null',
  },
  retrieval_collection: {
    collection_id: 'not null',
    tenant_id: 'not null',
    embedding_model: 'null',
    embedding_dimensions: 'null',
    chunk_count: 'not null',
    lexical_length: 'not null',
    created_at: 'not null',
  },
  retrieval_term: {
    collection_id: 'not null',
    term: 'not null',
    tenant_id: 'not null',
    chunk_count: 'not null',
  },
};

// The migrator's own bookkeeping tables are not Keel's.
const MIGRATOR_TABLES = ['keel_migration', 'keel_migration_lock'];

describeOnEveryDatabase('KeelTables against the migrated schema', (_engine, database) => {
  it('names every table and column the migrations create, with their nullability', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: string }>`
      select table_name, column_name, is_nullable from information_schema.columns
      where table_schema = current_schema()`.execute(database().db);
    const actual: Record<string, Record<string, string>> = {};
    for (const row of rows) {
      if (MIGRATOR_TABLES.includes(row.table_name)) continue;
      const table = actual[row.table_name] ?? {};
      actual[row.table_name] = table;
      table[row.column_name] = row.is_nullable === 'YES' ? 'null' : 'not null';
    }
    // Without pgvector the vector table is created later, by createVectorSchema, if ever.
    const expected: Record<string, Record<string, string>> = { ...columns };
    if (!database().vector) delete expected.retrieval_chunk_vector;
    expect(actual).toEqual(expected);
  });
});
