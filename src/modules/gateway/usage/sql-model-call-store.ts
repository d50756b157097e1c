import { type Kysely, type Selectable, sql } from 'kysely';
import { jsonParameter, type KeelTables, type ModelCallTable } from '../../../platform/db/index.ts';
import { pageOf } from '../../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './model-call.cursor.ts';
import type { ModelCallRecord } from './model-call.ts';
import type { ModelCallPage, ModelCallQuery, ModelCallStore } from './model-call-store.port.ts';

const COLUMN_DEFINITIONS = [
  ['id', 'text'],
  ['request_id', 'text'],
  ['tenant_id', 'text'],
  ['source', 'text'],
  ['operation', 'text'],
  ['route', 'text'],
  ['deployment', 'text'],
  ['provider', 'text'],
  ['model', 'text'],
  ['outcome', 'text'],
  ['error_code', 'text'],
  ['input_tokens', 'integer'],
  ['output_tokens', 'integer'],
  ['tokens_estimated', 'boolean'],
  ['latency_ms', 'double precision'],
  ['time_to_first_token_ms', 'double precision'],
  ['attempts', 'integer'],
  ['retries', 'integer'],
  ['fallbacks', 'integer'],
  ['cache_hit', 'boolean'],
  ['cost_usd', 'double precision'],
  ['repair', 'integer'],
  ['created_at', 'timestamptz'],
  ['subject', 'text'],
  ['variant', 'text'],
] as const;
const COLUMNS = COLUMN_DEFINITIONS.map(([name]) => name).join(', ');
const COLUMN_TYPES = COLUMN_DEFINITIONS.map(([name, type]) => `${name} ${type}`).join(', ');

/** Model-call accounting in PostgreSQL or PGlite (same SQL for both). */
export class SqlModelCallStore implements ModelCallStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  /**
   * One statement per batch with the rows as a single JSON parameter (`jsonb_to_recordset`): on PGlite,
   * binding 23 parameters per row costs more than the insert itself. Same SQL on PostgreSQL.
   */
  async append(records: readonly ModelCallRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map((record) => ({
      id: record.id,
      request_id: record.requestId,
      tenant_id: record.tenantId,
      source: record.source,
      operation: record.operation,
      route: record.route,
      deployment: record.deployment,
      provider: record.provider,
      model: record.model,
      outcome: record.outcome,
      error_code: record.errorCode,
      input_tokens: record.inputTokens,
      output_tokens: record.outputTokens,
      tokens_estimated: record.tokensEstimated,
      latency_ms: record.latencyMs,
      time_to_first_token_ms: record.timeToFirstTokenMs,
      attempts: record.attempts,
      retries: record.retries,
      fallbacks: record.fallbacks,
      cache_hit: record.cacheHit,
      cost_usd: record.costUsd,
      repair: record.repair,
      created_at: record.createdAt.toISOString(),
      subject: record.subject ?? null,
      variant: record.variant ?? null,
    }));
    // A retried flush must not fail on rows an earlier attempt already wrote.
    await sql`
      insert into model_call (${sql.raw(COLUMNS)})
      select ${sql.raw(COLUMNS)}
      from jsonb_to_recordset(${jsonParameter(rows)}::jsonb) as row (${sql.raw(COLUMN_TYPES)})
      on conflict (id) do nothing`.execute(this.#db);
  }

  async spendSince(subject: string, since: Date): Promise<number> {
    const row = await this.#db
      .selectFrom('model_call')
      .select(sql<number | string | null>`sum(cost_usd)`.as('spent'))
      .where('subject', '=', subject)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return Number(row?.spent ?? 0);
  }

  async list(tenantId: string, query: ModelCallQuery): Promise<ModelCallPage> {
    let statement = this.#db.selectFrom('model_call').selectAll().where('tenant_id', '=', tenantId);
    if (query.requestId !== undefined) statement = statement.where('request_id', '=', query.requestId);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(
        sql<boolean>`(created_at, sequence) < (${after.createdAt}::timestamptz, ${after.sequence}::bigint)`,
      );
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('sequence', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows, query.limit, toRecord, (last) =>
      encodeCursor({ createdAt: new Date(last.created_at), sequence: String(last.sequence) }),
    );
  }
}

function toRecord(row: Selectable<ModelCallTable>): ModelCallRecord {
  return {
    id: row.id,
    requestId: row.request_id,
    tenantId: row.tenant_id,
    subject: row.subject,
    variant: row.variant,
    source: row.source,
    operation: row.operation as ModelCallRecord['operation'],
    route: row.route,
    deployment: row.deployment,
    provider: row.provider,
    model: row.model,
    outcome: row.outcome as ModelCallRecord['outcome'],
    errorCode: row.error_code,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    tokensEstimated: row.tokens_estimated,
    latencyMs: Number(row.latency_ms),
    timeToFirstTokenMs: row.time_to_first_token_ms === null ? null : Number(row.time_to_first_token_ms),
    attempts: row.attempts,
    retries: row.retries,
    fallbacks: row.fallbacks,
    cacheHit: row.cache_hit,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    repair: row.repair,
    createdAt: new Date(row.created_at),
  };
}
