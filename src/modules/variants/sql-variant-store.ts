import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import { jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type {
  AutoRollbackSettings,
  Moments,
  NewVariant,
  ObservationAggregate,
  ShadowPolicy,
  TrafficPolicy,
  Variant,
  VariantEvent,
  VariantObservation,
} from './variant.types.ts';
import { variantId } from './variant.types.ts';
import type { AggregateQuery, VariantStore } from './variant-store.port.ts';
import { variantErrors } from './variants.errors.ts';

/** Variants in PostgreSQL or PGlite (same SQL for both). */
export class SqlVariantStore implements VariantStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async createVariant(variant: NewVariant, now: Date): Promise<Variant> {
    return this.#db.transaction().execute(async (transaction) => {
      // One writer per capability at a time: the next version is read and taken under this lock.
      await sql`select pg_advisory_xact_lock(hashtext(${`keel_variant:${variant.capability}`}))`.execute(
        transaction,
      );
      const latest = await transaction
        .selectFrom('variant')
        .select(sql<number | null>`max(version)`.as('latest'))
        .where('capability', '=', variant.capability)
        .executeTakeFirst();
      const version = variant.version ?? Number(latest?.latest ?? 0) + 1;
      const inserted = await transaction
        .insertInto('variant')
        .values({
          capability: variant.capability,
          version,
          instructions: variant.instructions,
          model: variant.model,
          settings: jsonParameter(variant.settings),
          description: variant.description,
          source: variant.source,
          created_at: now,
        })
        .onConflict((conflict) => conflict.columns(['capability', 'version']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted === undefined) {
        throw new AppError(variantErrors.VARIANT_VERSION_TAKEN, {
          detail: `${variantId(variant.capability, version)} already exists.`,
        });
      }
      return toVariant(inserted);
    });
  }

  async getVariant(capability: string, version: number): Promise<Variant | undefined> {
    const row = await this.#db
      .selectFrom('variant')
      .selectAll()
      .where('capability', '=', capability)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toVariant(row) : undefined;
  }

  async listVariants(capability?: string): Promise<readonly Variant[]> {
    let query = this.#db.selectFrom('variant').selectAll();
    if (capability !== undefined) query = query.where('capability', '=', capability);
    const rows = await query.orderBy('capability').orderBy('version').execute();
    return rows.map(toVariant);
  }

  async getPolicy(capability: string): Promise<TrafficPolicy | undefined> {
    const row = await this.#db
      .selectFrom('variant_policy')
      .selectAll()
      .where('capability', '=', capability)
      .executeTakeFirst();
    return row ? toPolicy(row) : undefined;
  }

  async listPolicies(): Promise<readonly TrafficPolicy[]> {
    return (await this.#db.selectFrom('variant_policy').selectAll().execute()).map(toPolicy);
  }

  async savePolicy(
    policy: Omit<TrafficPolicy, 'revision'>,
    expectedRevision: number,
    event: Omit<VariantEvent, 'id'> | null,
  ): Promise<{ policy: TrafficPolicy; event: VariantEvent | null } | undefined> {
    return this.#db.transaction().execute(async (transaction) => {
      const values = {
        stable_version: policy.stable,
        canary_version: policy.canary?.version ?? null,
        canary_percent: policy.canary?.percent ?? null,
        shadows: jsonParameter(policy.shadows),
        auto_rollback: jsonParameter(policy.autoRollback),
        revision: expectedRevision + 1,
        updated_at: policy.updatedAt,
      };
      const saved =
        expectedRevision === 0
          ? await transaction
              .insertInto('variant_policy')
              .values({ capability: policy.capability, ...values })
              .onConflict((conflict) => conflict.column('capability').doNothing())
              .returningAll()
              .executeTakeFirst()
          : await transaction
              .updateTable('variant_policy')
              .set(values)
              .where('capability', '=', policy.capability)
              .where('revision', '=', expectedRevision)
              .returningAll()
              .executeTakeFirst();
      if (saved === undefined) return undefined;
      let recorded: VariantEvent | null = null;
      if (event !== null) {
        recorded = { ...event, id: randomUUID() };
        await transaction
          .insertInto('variant_event')
          .values({
            id: recorded.id,
            capability: recorded.capability,
            type: recorded.type,
            version: recorded.version,
            details: jsonParameter(recorded.details),
            webhook: recorded.webhook,
            created_at: recorded.createdAt,
          })
          .execute();
      }
      return { policy: toPolicy(saved), event: recorded };
    });
  }

  async listEvents(capability: string, limit: number): Promise<readonly VariantEvent[]> {
    const rows = await this.#db
      .selectFrom('variant_event')
      .selectAll()
      .where('capability', '=', capability)
      .orderBy('sequence', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      capability: row.capability,
      type: row.type as VariantEvent['type'],
      version: row.version,
      details: row.details as Record<string, unknown>,
      webhook: row.webhook as VariantEvent['webhook'],
      createdAt: new Date(row.created_at),
    }));
  }

  async markWebhook(eventId: string, webhook: VariantEvent['webhook']): Promise<void> {
    await this.#db.updateTable('variant_event').set({ webhook }).where('id', '=', eventId).execute();
  }

  async appendObservations(observations: readonly VariantObservation[]): Promise<void> {
    if (observations.length === 0) return;
    await this.#db
      .insertInto('variant_observation')
      .values(
        observations.map((observation) => ({
          tenant_id: observation.tenantId,
          request_id: observation.requestId,
          capability: observation.capability,
          version: observation.version,
          role: observation.role,
          outcome: observation.outcome,
          error_code: observation.errorCode,
          schema_valid: observation.schemaValid,
          latency_ms: observation.latencyMs,
          cost_usd: observation.costUsd,
          score: observation.score,
          agreement: observation.agreement,
          rating: null,
          created_at: observation.createdAt,
        })),
      )
      .execute();
  }

  async rate(tenantId: string, requestId: string, rating: number): Promise<void> {
    await this.#db
      .updateTable('variant_observation')
      .set({ rating })
      .where('tenant_id', '=', tenantId)
      .where('request_id', '=', requestId)
      .where('role', '<>', 'shadow')
      .execute();
  }

  async deleteObservationsOlderThan(cutoff: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('variant_observation')
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async aggregate(query: AggregateQuery): Promise<readonly ObservationAggregate[]> {
    const bucket =
      query.bucketMs === undefined
        ? sql<number | null>`null::double precision`
        : sql<number>`floor(extract(epoch from created_at) * 1000 / ${query.bucketMs}) * ${query.bucketMs}`;
    const { rows } = await sql<AggregateRow>`
      select version, role, ${bucket} as bucket,
        count(*)::int as calls,
        count(*) filter (where outcome <> 'succeeded')::int as errors,
        count(*) filter (where not schema_valid)::int as schema_failures,
        sum(latency_ms) as latency_sum,
        percentile_cont(0.95) within group (order by latency_ms) as latency_p95,
        sum(cost_usd) as cost_sum, sum(cost_usd * cost_usd) as cost_squares,
        count(rating)::int as rating_n, coalesce(sum(rating), 0) as rating_sum,
        coalesce(sum(rating * rating), 0) as rating_squares,
        count(score)::int as score_n, coalesce(sum(score), 0) as score_sum,
        coalesce(sum(score * score), 0) as score_squares,
        count(agreement)::int as agreement_n, coalesce(sum(agreement), 0) as agreement_sum,
        coalesce(sum(agreement * agreement), 0) as agreement_squares
      from variant_observation
      where capability = ${query.capability} and created_at >= ${query.since}
      group by 1, 2, 3`.execute(this.#db);
    return rows.map((row) => ({
      version: row.version,
      role: row.role as ObservationAggregate['role'],
      bucket: row.bucket === null ? null : new Date(Number(row.bucket)),
      calls: row.calls,
      errors: row.errors,
      schemaFailures: row.schema_failures,
      latencySum: Number(row.latency_sum),
      latencyP95: row.latency_p95 === null ? null : Number(row.latency_p95),
      costSum: Number(row.cost_sum),
      costSquares: Number(row.cost_squares),
      ratings: moments(row.rating_n, row.rating_sum, row.rating_squares),
      scores: moments(row.score_n, row.score_sum, row.score_squares),
      agreements: moments(row.agreement_n, row.agreement_sum, row.agreement_squares),
    }));
  }
}

interface AggregateRow {
  version: number | null;
  role: string;
  bucket: number | string | null;
  calls: number;
  errors: number;
  schema_failures: number;
  latency_sum: number | string;
  latency_p95: number | string | null;
  cost_sum: number | string;
  cost_squares: number | string;
  rating_n: number;
  rating_sum: number | string;
  rating_squares: number | string;
  score_n: number;
  score_sum: number | string;
  score_squares: number | string;
  agreement_n: number;
  agreement_sum: number | string;
  agreement_squares: number | string;
}

function moments(n: number, sum: number | string, squares: number | string): Moments {
  return { n, sum: Number(sum), squares: Number(squares) };
}

function toVariant(row: Selectable<KeelTables['variant']>): Variant {
  return Object.freeze({
    id: variantId(row.capability, row.version),
    capability: row.capability,
    version: row.version,
    instructions: row.instructions,
    model: row.model,
    settings: Object.freeze({ ...(row.settings as Record<string, unknown>) }),
    description: row.description,
    source: row.source as Variant['source'],
    createdAt: new Date(row.created_at),
  });
}

function toPolicy(row: Selectable<KeelTables['variant_policy']>): TrafficPolicy {
  return Object.freeze({
    capability: row.capability,
    stable: row.stable_version,
    canary:
      row.canary_version === null
        ? null
        : { version: row.canary_version, percent: Number(row.canary_percent ?? 0) },
    shadows: row.shadows as ShadowPolicy[],
    autoRollback: row.auto_rollback as AutoRollbackSettings,
    revision: row.revision,
    updatedAt: new Date(row.updated_at),
  });
}
