import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './eval.cursor.ts';
import type {
  Dataset,
  DatasetItem,
  EvalResult,
  EvalRun,
  NewDatasetItem,
  ScorerSpec,
  VariantSummary,
} from './eval.types.ts';
import type { EvalStore, Page, PageQuery, RunPatch } from './eval-store.port.ts';

type DatasetRow = Selectable<KeelTables['eval_dataset']>;
type RunRow = Selectable<KeelTables['eval_run']>;

const json = (value: unknown) => jsonParameter(value ?? null);

/** Datasets, items and runs in PostgreSQL or PGlite (same SQL for both). */
export class SqlEvalStore implements EvalStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async createDataset(
    dataset: Omit<Dataset, 'version' | 'itemCount' | 'updatedAt'>,
  ): Promise<Dataset | undefined> {
    const row = await this.#db
      .insertInto('eval_dataset')
      .values({
        tenant_id: dataset.tenantId,
        id: dataset.id,
        name: dataset.name,
        capability: dataset.capability,
        description: dataset.description,
        version: 0,
        item_count: 0,
        created_at: dataset.createdAt,
        updated_at: dataset.createdAt,
      })
      .onConflict((conflict) => conflict.columns(['tenant_id', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toDataset(row) : undefined;
  }

  async getDataset(tenantId: string, id: string): Promise<Dataset | undefined> {
    const row = await this.#db
      .selectFrom('eval_dataset')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDataset(row) : undefined;
  }

  async listDatasets(
    tenantId: string,
    query: PageQuery & { capability?: string | undefined },
  ): Promise<Page<Dataset>> {
    let statement = this.#db.selectFrom('eval_dataset').selectAll().where('tenant_id', '=', tenantId);
    if (query.capability !== undefined) statement = statement.where('capability', '=', query.capability);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return paged(rows.map(toDataset), query.limit);
  }

  async deleteDataset(tenantId: string, id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (transaction) => {
      await transaction
        .deleteFrom('eval_dataset_item')
        .where('tenant_id', '=', tenantId)
        .where('dataset_id', '=', id)
        .execute();
      const result = await transaction
        .deleteFrom('eval_dataset')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async addItems(tenantId: string, datasetId: string, items: readonly NewDatasetItem[], now: Date) {
    return this.#db.transaction().execute(async (transaction) => {
      // The row lock serialises concurrent additions: each gets its own version and positions.
      const current = await transaction
        .selectFrom('eval_dataset')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', datasetId)
        .forUpdate()
        .executeTakeFirst();
      if (!current) return undefined;
      const version = current.version + 1;
      const added: DatasetItem[] = items.map((item, index) => ({
        id: randomUUID(),
        datasetId,
        tenantId,
        version,
        position: current.item_count + index,
        input: item.input,
        expected: item.expected ?? null,
        reference: item.reference ?? null,
        metadata: item.metadata,
        feedbackId: item.feedbackId ?? null,
        createdAt: now,
      }));
      for (let start = 0; start < added.length; start += 500) {
        await transaction
          .insertInto('eval_dataset_item')
          .values(
            added.slice(start, start + 500).map((item) => ({
              tenant_id: tenantId,
              dataset_id: datasetId,
              position: item.position,
              id: item.id,
              version,
              input: json(item.input),
              expected: json(item.expected),
              reference: item.reference,
              metadata: json(item.metadata),
              feedback_id: item.feedbackId,
              created_at: now,
            })),
          )
          .execute();
      }
      const row = await transaction
        .updateTable('eval_dataset')
        .set({ version, item_count: current.item_count + added.length, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', datasetId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { dataset: toDataset(row), items: added };
    });
  }

  async listItems(tenantId: string, datasetId: string, version: number, offset: number, limit: number) {
    const rows = await this.#db
      .selectFrom('eval_dataset_item')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('dataset_id', '=', datasetId)
      .where('version', '<=', version)
      .orderBy('position')
      .offset(offset)
      .limit(limit)
      .execute();
    return rows.map(
      (row): DatasetItem => ({
        id: row.id,
        datasetId: row.dataset_id,
        tenantId: row.tenant_id,
        version: row.version,
        position: row.position,
        input: row.input,
        expected: row.expected ?? null,
        reference: row.reference,
        metadata: row.metadata,
        feedbackId: row.feedback_id,
        createdAt: new Date(row.created_at),
      }),
    );
  }

  async createRun(run: EvalRun): Promise<void> {
    await this.#db
      .insertInto('eval_run')
      .values({
        tenant_id: run.tenantId,
        id: run.id,
        dataset_id: run.datasetId,
        dataset_version: run.datasetVersion,
        capability: run.capability,
        variants: json(run.variants),
        scorers: json(run.scorers),
        concurrency: run.concurrency,
        status: run.status,
        job_id: run.jobId,
        completed: run.completed,
        total: run.total,
        summary: run.summary === null ? null : json(run.summary),
        error: run.error === null ? null : json(run.error),
        created_at: run.createdAt,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
      })
      .execute();
  }

  async getRun(tenantId: string, id: string): Promise<EvalRun | undefined> {
    const row = await this.#db
      .selectFrom('eval_run')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async listRuns(
    tenantId: string,
    query: PageQuery & { datasetId?: string | undefined },
  ): Promise<Page<EvalRun>> {
    let statement = this.#db.selectFrom('eval_run').selectAll().where('tenant_id', '=', tenantId);
    if (query.datasetId !== undefined) statement = statement.where('dataset_id', '=', query.datasetId);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return paged(rows.map(toRun), query.limit);
  }

  async updateRun(tenantId: string, id: string, patch: RunPatch): Promise<EvalRun | undefined> {
    const set: Updateable<KeelTables['eval_run']> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.jobId !== undefined) set.job_id = patch.jobId;
    if (patch.completed !== undefined) set.completed = patch.completed;
    if (patch.total !== undefined) set.total = patch.total;
    if (patch.summary !== undefined) set.summary = patch.summary === null ? null : json(patch.summary);
    if (patch.error !== undefined) set.error = patch.error === null ? null : json(patch.error);
    if (patch.startedAt !== undefined) set.started_at = patch.startedAt;
    if (patch.finishedAt !== undefined) set.finished_at = patch.finishedAt;
    if (Object.keys(set).length === 0) return this.getRun(tenantId, id);
    const row = await this.#db
      .updateTable('eval_run')
      .set(set)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async putResults(tenantId: string, results: readonly EvalResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.#db
      .insertInto('eval_result')
      .values(
        results.map((result) => ({
          tenant_id: tenantId,
          run_id: result.runId,
          item_id: result.itemId,
          variant: result.variant,
          position: result.position,
          output: json(result.output),
          scores: json(result.scores),
          latency_ms: result.latencyMs,
          input_tokens: result.inputTokens,
          output_tokens: result.outputTokens,
          cost_usd: result.costUsd,
          error: result.error === null ? null : json(result.error),
        })),
      )
      .onConflict((conflict) =>
        conflict.columns(['tenant_id', 'run_id', 'item_id', 'variant']).doUpdateSet((update) => ({
          output: update.ref('excluded.output'),
          scores: update.ref('excluded.scores'),
          latency_ms: update.ref('excluded.latency_ms'),
          input_tokens: update.ref('excluded.input_tokens'),
          output_tokens: update.ref('excluded.output_tokens'),
          cost_usd: update.ref('excluded.cost_usd'),
          error: update.ref('excluded.error'),
        })),
      )
      .execute();
  }

  async listResults(tenantId: string, runId: string): Promise<EvalResult[]> {
    const rows = await this.#db
      .selectFrom('eval_result')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .orderBy('position')
      .orderBy('variant')
      .execute();
    return rows.map((row) => ({
      runId: row.run_id,
      itemId: row.item_id,
      position: row.position,
      variant: row.variant,
      output: row.output ?? null,
      // Written from EvalResult['scores'] by putResults: the column holds nothing else.
      scores: row.scores as EvalResult['scores'],
      latencyMs: row.latency_ms,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      costUsd: row.cost_usd,
      error: row.error ?? null,
    }));
  }
}

function paged<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): Page<T> {
  return pageOf(rows, limit, (row) => row, encodeCursor);
}

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    capability: row.capability,
    description: row.description,
    version: row.version,
    itemCount: row.item_count,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * The JSON columns hold what createRun and updateRun wrote from an EvalRun (the table type cannot name
 * the evals module's types, platform does not import modules), so they are narrowed here, once.
 */
function toRun(row: RunRow): EvalRun {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    datasetId: row.dataset_id,
    datasetVersion: row.dataset_version,
    capability: row.capability,
    variants: row.variants,
    scorers: row.scorers as ScorerSpec[],
    concurrency: row.concurrency,
    status: row.status as EvalRun['status'],
    jobId: row.job_id,
    completed: row.completed,
    total: row.total,
    summary: (row.summary as VariantSummary[] | null) ?? null,
    error: row.error ?? null,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}
