import { randomUUID } from 'node:crypto';
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import { type JobTable, jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import type { JobQueue, Notifier, QueueMessage } from '../../platform/jobs/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeJobCursor, encodeJobCursor } from './job.cursor.ts';
import type {
  JobEvent,
  JobEventType,
  JobProblem,
  JobRecord,
  JobStatus,
  NewJobEvent,
  StepRecord,
  WebhookAttempt,
} from './job.types.ts';
import { jobEvents } from './job-events.ts';
import type {
  AttemptEnd,
  AttemptFence,
  CancelResult,
  CreateResult,
  EndedAttempt,
  JobListQuery,
  JobPage,
  JobStore,
  NewJob,
  RetryResult,
  RunningAttempt,
  StepWrite,
  WebhookDelivery,
  WebhookRetry,
  WorkerInfo,
} from './job-store.port.ts';
import { type JobChange, type JobSnapshot, transition } from './job-transitions.ts';
import {
  capabilityRunJob,
  JOB_CHANNELS,
  type WebhookSendPayload,
  webhookSendJob,
} from './queue-deliveries.ts';

type Db = Kysely<KeelTables>;
type JobRow = Selectable<JobTable>;
/** The columns a transition needs from the locked row. */
type LockedRow = Pick<
  JobRow,
  | 'id'
  | 'status'
  | 'worker_id'
  | 'delivery_id'
  | 'attempts'
  | 'max_attempts'
  | 'cancel_requested_at'
  | 'event_seq'
  | 'webhook_url'
  | 'error'
>;
const LOCKED_COLUMNS =
  'id, status, worker_id, delivery_id, attempts, max_attempts, cancel_requested_at, event_seq, webhook_url, error';

/**
 * A move of one locked job row that the state machine decided (job-transitions.ts), applied in batches,
 * after the events its attempt buffered.
 */
interface Move {
  readonly row: LockedRow;
  readonly change: JobChange;
  readonly buffered: readonly NewJobEvent[];
}

/** Jobs in PostgreSQL or PGlite (same SQL), with their deliveries sent on the same transaction. */
export class SqlJobStore implements JobStore {
  readonly #db: Db;
  readonly #queue: JobQueue;
  readonly #notifier: Notifier;

  readonly #embedded: boolean;

  constructor(db: Db, queue: JobQueue, notifier: Notifier, options: { readonly embedded?: boolean } = {}) {
    this.#db = db;
    this.#queue = queue;
    this.#notifier = notifier;
    this.#embedded = options.embedded ?? false;
  }

  async create(job: NewJob, now: Date): Promise<CreateResult> {
    const [result] = await this.createMany([job], now);
    if (!result) throw new Error(`job ${job.id} was not created`);
    return result;
  }

  async createMany(jobs: readonly NewJob[], now: Date): Promise<CreateResult[]> {
    if (jobs.length === 0) return [];
    const results = await this.#db.transaction().execute(async (trx): Promise<CreateResult[]> => {
      const keyOf = (tenantId: string, key: string) => `${tenantId}\u0000${key}`;
      const keyed = jobs.filter((job) => job.idempotencyKey !== null);
      const existing = new Map(
        (await this.#byKeys(trx, keyed)).map((row) => [keyOf(row.tenant_id, row.idempotency_key ?? ''), row]),
      );
      // The first job of the batch with a new key is created; later ones with that key get it back.
      const claimed = new Set<string>();
      const fresh = jobs.filter((job) => {
        if (job.idempotencyKey === null) return true;
        const key = keyOf(job.tenantId, job.idempotencyKey);
        if (existing.has(key) || claimed.has(key)) return false;
        claimed.add(key);
        return true;
      });
      const deliveries = new Map(fresh.map((job) => [job.id, randomUUID()]));
      const inserted = fresh.length === 0 ? [] : await insertJobs(trx, fresh, deliveries, now);
      const insertedById = new Map(inserted.map((row) => [row.id, row]));
      // A concurrent request with the same key may have won between our read and our insert.
      const lost = keyed.filter((job) => fresh.includes(job) && !insertedById.has(job.id));
      for (const row of await this.#byKeys(trx, lost))
        existing.set(keyOf(row.tenant_id, row.idempotency_key ?? ''), row);
      await insertEvents(
        trx,
        inserted.map((row) => ({
          jobId: row.id,
          seq: 1,
          event: jobEvents.queued({ capability: row.capability, maxAttempts: row.max_attempts }),
          now,
        })),
      );
      await this.#queue.send(
        capabilityRunJob,
        inserted.map((row) => ({ id: deliveries.get(row.id) ?? randomUUID(), payload: { jobId: row.id } })),
        trx,
      );
      return jobs.map((job) => {
        const row = insertedById.get(job.id);
        if (row) return { job: toRecord(row), created: true };
        const winner =
          job.idempotencyKey === null ? undefined : existing.get(keyOf(job.tenantId, job.idempotencyKey));
        if (winner) return { job: toRecord(winner), created: false };
        const twin = jobs.find(
          (other) =>
            other !== job &&
            insertedById.has(other.id) &&
            other.tenantId === job.tenantId &&
            other.idempotencyKey === job.idempotencyKey,
        );
        const twinRow = twin ? insertedById.get(twin.id) : undefined;
        if (twinRow) return { job: toRecord(twinRow), created: false };
        throw new Error(`job ${job.id} was neither inserted nor found`);
      });
    });
    const created = results.filter((result) => result.created).map((result) => result.job.id);
    if (created.length > 0) this.#announce(created, [capabilityRunJob.name]);
    return results;
  }

  async get(tenantId: string, id: string): Promise<JobRecord | undefined> {
    const row = await this.#db
      .selectFrom('job')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(tenantId: string, query: JobListQuery): Promise<JobPage> {
    let statement = this.#db.selectFrom('job').selectAll().where('tenant_id', '=', tenantId);
    if (query.status !== undefined) statement = statement.where('status', '=', query.status);
    if (query.capability !== undefined) statement = statement.where('capability', '=', query.capability);
    if (query.cursor) {
      const after = decodeJobCursor(query.cursor);
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
      encodeJobCursor({ createdAt: new Date(last.created_at), sequence: String(last.sequence) }),
    );
  }

  async events(
    tenantId: string,
    jobId: string,
    afterId: number,
    limit: number,
  ): Promise<JobEvent[] | undefined> {
    // One query: the job's existence for this tenant, then its events (if any) after the cursor.
    const rows = await this.#db
      .selectFrom('job as j')
      .leftJoin('job_event as e', (join) => join.onRef('e.job_id', '=', 'j.id').on('e.seq', '>', afterId))
      .select(['j.id as job', 'e.seq', 'e.type', 'e.data', 'e.created_at'])
      .where('j.tenant_id', '=', tenantId)
      .where('j.id', '=', jobId)
      .orderBy('e.seq')
      .limit(limit)
      .execute();
    if (rows.length === 0) return undefined;
    return rows
      .filter((row) => row.seq !== null)
      .map((row) => ({
        jobId,
        id: Number(row.seq),
        type: row.type as JobEventType,
        data: row.data as Record<string, unknown>,
        createdAt: new Date(row.created_at as Date),
      }));
  }

  async cancel(tenantId: string, id: string, now: Date): Promise<CancelResult | undefined> {
    let available: readonly string[] = [];
    const result = await this.#db.transaction().execute(async (trx): Promise<CancelResult | undefined> => {
      const row = await lockJob(trx, id, tenantId);
      if (!row) return undefined;
      const next = transition(snapshot(row), { kind: 'cancel' }, now);
      if (next.kind === 'moved') {
        const [job] = await this.#apply(trx, [{ row, change: next.change, buffered: [] }], now);
        available = next.change.available;
        return { outcome: 'cancelled', job: job ?? toRecord(row) };
      }
      if (next.kind === 'cancel-requested') {
        const updated = await trx
          .updateTable('job')
          .set({ cancel_requested_at: now, updated_at: now })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { outcome: 'requested', job: toRecord(updated) };
      }
      return { outcome: 'unchanged', job: toRecord(row) };
    });
    if (result?.outcome === 'cancelled') this.#announce([id], available);
    if (result?.outcome === 'requested') this.#notifier.publish(JOB_CHANNELS.cancel, id);
    return result;
  }

  async retry(tenantId: string, id: string, now: Date): Promise<RetryResult | undefined> {
    let available: readonly string[] = [];
    const result = await this.#db.transaction().execute(async (trx): Promise<RetryResult | undefined> => {
      const row = await lockJob(trx, id, tenantId);
      if (!row) return undefined;
      const next = transition(snapshot(row), { kind: 'retry' }, now);
      if (next.kind !== 'moved') return { outcome: 'unchanged', job: toRecord(row) };
      const [job] = await this.#apply(trx, [{ row, change: next.change, buffered: [] }], now);
      available = next.change.available;
      return { outcome: 'requeued', job: job ?? toRecord(row) };
    });
    if (result?.outcome === 'requeued') this.#announce([id], available);
    return result;
  }

  async webhookAttempts(tenantId: string, jobId: string): Promise<WebhookAttempt[] | undefined> {
    const job = await this.#db
      .selectFrom('job')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!job) return undefined;
    const rows = await this.#db
      .selectFrom('job_webhook_attempt')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .orderBy('created_at')
      .orderBy('attempt')
      .execute();
    return rows.map((row) => ({
      deliveryId: row.delivery_id,
      attempt: row.attempt,
      jobId: row.job_id,
      tenantId: row.tenant_id,
      eventType: row.event_type,
      url: row.url,
      outcome: row.outcome as WebhookAttempt['outcome'],
      responseStatus: row.response_status,
      error: row.error,
      durationMs: row.duration_ms,
      nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
      createdAt: new Date(row.created_at),
    }));
  }

  async registerWorker(worker: WorkerInfo, options: { readonly evictOthers: boolean }): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (options.evictOthers) await trx.deleteFrom('job_worker').where('id', '<>', worker.id).execute();
      await trx
        .insertInto('job_worker')
        .values({
          id: worker.id,
          host: worker.host,
          pid: worker.pid,
          started_at: sql<Date>`now()`,
          heartbeat_at: sql<Date>`now()`,
        })
        .onConflict((conflict) => conflict.column('id').doUpdateSet({ heartbeat_at: sql<Date>`now()` }))
        .execute();
    });
  }

  async heartbeat(workerId: string): Promise<boolean> {
    // Database time on both sides of the lease, so process clocks may disagree.
    const result = await this.#db
      .updateTable('job_worker')
      .set({ heartbeat_at: sql<Date>`now()` })
      .where('id', '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async unregisterWorker(workerId: string): Promise<void> {
    await this.#db.deleteFrom('job_worker').where('id', '=', workerId).execute();
  }

  async recoverLostJobs(leaseMs: number, now: Date, limit: number): Promise<JobRecord[]> {
    const available: string[] = [];
    const changed = await this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('job_worker')
        .where('heartbeat_at', '<=', sql<Date>`now() - (${leaseMs}::int * interval '1 millisecond')`)
        .execute();
      const orphans = await trx
        .selectFrom('job')
        .selectAll()
        .where('status', '=', 'running')
        .where((where) =>
          where.or([
            where('worker_id', 'is', null),
            where.not(
              where.exists(
                where.selectFrom('job_worker as w').select('w.id').whereRef('w.id', '=', 'job.worker_id'),
              ),
            ),
          ]),
        )
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (orphans.length === 0) return [];
      const moves: Move[] = [];
      for (const row of orphans) {
        const next = transition(snapshot(row), { kind: 'worker-lost' }, now);
        if (next.kind !== 'moved') continue;
        moves.push({ row, change: next.change, buffered: [] });
        available.push(...next.change.available);
      }
      return (await this.#apply(trx, moves, now)).filter((job): job is JobRecord => job !== undefined);
    });
    if (changed.length > 0)
      this.#announce(
        changed.map((job) => job.id),
        available,
      );
    return changed;
  }

  async claim(workerId: string, limit: number, now: Date): Promise<JobRecord[]> {
    const claimed = await this.#db.transaction().execute(async (trx) => {
      const live = await trx
        .selectFrom('job_worker')
        .select('id')
        .where('id', '=', workerId)
        .executeTakeFirst();
      if (!live) return [];
      const { deliveries } = await this.#queue.take(capabilityRunJob, limit, trx);
      if (deliveries.length === 0) return [];
      const candidates = jsonParameter(
        deliveries.map((delivery) => ({ job_id: delivery.payload.jobId, delivery_id: delivery.id })),
      );
      // Only the delivery the row names may start an attempt; any other is stale and simply dropped.
      // The claim and its job-started events (the data of jobEvents.started) in one statement.
      const { rows } = await sql<JobRow>`
        with claimed as (
          update job as j set
            status = 'running',
            attempts = j.attempts + 1,
            worker_id = ${workerId},
            delivery_id = null,
            run_after = null,
            started_at = coalesce(j.started_at, ${now}::timestamptz),
            attempt_started_at = ${now}::timestamptz,
            updated_at = ${now}::timestamptz,
            event_seq = j.event_seq + 1
          from jsonb_to_recordset(${candidates}::jsonb) as d(job_id uuid, delivery_id uuid)
          where j.id = d.job_id and j.delivery_id = d.delivery_id and j.status = 'queued'
          returning j.*
        ), events as (
          insert into job_event (job_id, seq, type, data, created_at)
          select id, event_seq, 'job-started', jsonb_build_object('attempt', attempts), ${now}::timestamptz
          from claimed
        )
        select * from claimed`.execute(trx);
      return rows.map(toRecord);
    });
    if (claimed.length > 0)
      this.#announce(
        claimed.map((job) => job.id),
        [],
      );
    return claimed;
  }

  async appendEvents(
    fence: AttemptFence,
    events: readonly NewJobEvent[],
    now: Date,
    step?: StepWrite,
  ): Promise<number | undefined> {
    const last = await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('job')
        .set({ event_seq: sql<number>`event_seq + ${events.length}::int`, updated_at: now })
        .where('id', '=', fence.jobId)
        .where('status', '=', 'running')
        .where('worker_id', '=', fence.workerId)
        .where('attempts', '=', fence.attempt)
        .returning('event_seq')
        .executeTakeFirst();
      if (!updated) return undefined;
      const first = updated.event_seq - events.length + 1;
      await insertEvents(
        trx,
        events.map((event, index) => ({ jobId: fence.jobId, seq: first + index, event, now })),
      );
      if (step) {
        await trx
          .insertInto('job_step')
          .values({
            job_id: fence.jobId,
            name: step.name,
            result: json(step.result ?? null),
            attempt: fence.attempt,
            started_at: step.startedAt,
            finished_at: now,
          })
          .onConflict((conflict) =>
            conflict.columns(['job_id', 'name']).doUpdateSet((update) => ({
              result: update.ref('excluded.result'),
              attempt: update.ref('excluded.attempt'),
              started_at: update.ref('excluded.started_at'),
              finished_at: update.ref('excluded.finished_at'),
            })),
          )
          .execute();
      }
      return updated.event_seq;
    });
    if (last !== undefined && events.length > 0) this.#announce([fence.jobId], []);
    return last;
  }

  async steps(jobId: string): Promise<StepRecord[]> {
    const rows = await this.#db.selectFrom('job_step').selectAll().where('job_id', '=', jobId).execute();
    return rows.map((row) => ({
      jobId: row.job_id,
      name: row.name,
      result: row.result,
      attempt: row.attempt,
      startedAt: new Date(row.started_at),
      finishedAt: new Date(row.finished_at),
    }));
  }

  async endAttempts(ends: readonly AttemptEnd[], now: Date): Promise<(EndedAttempt | undefined)[]> {
    if (ends.length === 0) return [];
    const results = await this.#db.transaction().execute(async (trx) => {
      const ids = jsonParameter(ends.map((end) => end.fence.jobId));
      const { rows } = await sql<LockedRow>`
        select ${sql.raw(LOCKED_COLUMNS)} from job
        where id in (select value::uuid from jsonb_array_elements_text(${ids}::jsonb))
        for update`.execute(trx);
      const byId = new Map(rows.map((row) => [row.id, row]));
      const moves: Move[] = [];
      const order: (number | undefined)[] = [];
      for (const end of ends) {
        const row = byId.get(end.fence.jobId);
        const next = row ? transition(snapshot(row), { kind: 'attempt-end', end }, now) : undefined;
        if (!row || next?.kind !== 'moved') {
          order.push(undefined);
          continue;
        }
        // A second end of the same attempt in the batch finds the job already moved.
        byId.delete(row.id);
        order.push(moves.length);
        moves.push({ row, change: next.change, buffered: end.events });
      }
      const updated = await this.#update(trx, moves, now, sql.raw('j.id, j.status, j.attempts, j.event_seq'));
      const byUpdated = new Map(
        updated.map((row) => [
          row.id as string,
          {
            jobId: row.id as string,
            status: row.status as JobStatus,
            attempts: Number(row.attempts),
            lastEventId: Number(row.event_seq),
          },
        ]),
      );
      return {
        ended: order.map((index) => {
          const move = index === undefined ? undefined : moves[index];
          return move ? byUpdated.get(move.row.id) : undefined;
        }),
        available: moves.flatMap((move) => move.change.available),
      };
    });
    const changed = results.ended.filter((job): job is EndedAttempt => job !== undefined);
    if (changed.length > 0) {
      this.#announce(
        changed.map((job) => job.jobId),
        results.available,
      );
    }
    return results.ended;
  }

  async cancelRequested(workerId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('job')
      .select('id')
      .where('status', '=', 'running')
      .where('worker_id', '=', workerId)
      .where('cancel_requested_at', 'is not', null)
      .execute();
    return rows.map((row) => row.id);
  }

  async runningFor(workerId: string): Promise<RunningAttempt[]> {
    const rows = await this.#db
      .selectFrom('job')
      .select(['id', 'attempts', 'max_attempts', 'attempt_started_at', 'updated_at'])
      .where('status', '=', 'running')
      .where('worker_id', '=', workerId)
      .execute();
    return rows.map((row) => ({
      jobId: row.id,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      attemptStartedAt: new Date(row.attempt_started_at ?? row.updated_at),
    }));
  }

  async maintain(): Promise<void> {
    await this.#queue.maintain();
    // PGlite runs PostgreSQL in single-user mode: no autovacuum. A server vacuums by itself.
    if (this.#embedded) {
      for (const table of ['job', 'job_event', 'job_step', 'job_worker', 'job_webhook_attempt']) {
        await sql`vacuum (analyze) ${sql.table(table)}`.execute(this.#db);
      }
    }
  }

  async findJob(jobId: string): Promise<JobRecord | undefined> {
    const row = await this.#db.selectFrom('job').selectAll().where('id', '=', jobId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async takeWebhookDeliveries(limit: number, leaseMs: number, now: Date): Promise<WebhookDelivery[]> {
    return this.#db.transaction().execute(async (trx) => {
      const { deliveries } = await this.#queue.take(webhookSendJob, limit, trx);
      if (deliveries.length === 0) return [];
      const startAfter = new Date(now.getTime() + leaseMs);
      const copies = await this.#queue.send(
        webhookSendJob,
        deliveries.map((delivery) => ({ payload: delivery.payload, options: { startAfter } })),
        trx,
      );
      return deliveries.map((delivery, index) => ({
        payload: delivery.payload,
        safetyCopyId: copies[index] ?? '',
      }));
    });
  }

  async discardWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    await this.#queue.remove(webhookSendJob, [delivery.safetyCopyId]);
  }

  async recordWebhookAttempt(
    attempt: WebhookAttempt,
    delivery: WebhookDelivery,
    retry?: WebhookRetry,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('job_webhook_attempt')
        .values({
          delivery_id: attempt.deliveryId,
          attempt: attempt.attempt,
          job_id: attempt.jobId,
          tenant_id: attempt.tenantId,
          event_type: attempt.eventType,
          url: attempt.url,
          outcome: attempt.outcome,
          response_status: attempt.responseStatus,
          error: attempt.error,
          duration_ms: attempt.durationMs,
          next_attempt_at: attempt.nextAttemptAt,
          created_at: attempt.createdAt,
        })
        .onConflict((conflict) => conflict.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
      await this.#queue.remove(webhookSendJob, [delivery.safetyCopyId], trx);
      if (retry) {
        await this.#queue.send(
          webhookSendJob,
          [{ payload: retry.payload, options: { startAfter: retry.startAfter } }],
          trx,
        );
      }
    });
    if (retry) this.#notifier.publish(JOB_CHANNELS.available, webhookSendJob.name);
  }

  /** Applies moves and returns the jobs afterwards. */
  async #apply(trx: Db, moves: readonly Move[], now: Date): Promise<(JobRecord | undefined)[]> {
    const rows = await this.#update(trx, moves, now, sql.raw('j.*'));
    const byId = new Map((rows as JobRow[]).map((row) => [row.id, toRecord(row)]));
    return moves.map((move) => byId.get(move.row.id));
  }

  /**
   * Applies moves to locked rows: one update, one event insert and one send per queue. Claims, which start
   * attempts by the thousand, have their own set-based statement (see `claim`); every other move comes here.
   */
  async #update(
    trx: Db,
    moves: readonly Move[],
    now: Date,
    returning: RawBuilder<unknown>,
  ): Promise<Record<string, unknown>[]> {
    if (moves.length === 0) return [];
    const runs: QueueMessage<{ jobId: string }>[] = [];
    const webhooks: QueueMessage<WebhookSendPayload>[] = [];
    const events: EventRow[] = [];
    const values = moves.map(({ row, change, buffered }) => {
      const deliveryId = change.queueAttempt ? randomUUID() : null;
      if (deliveryId) {
        const startAfter = change.queueAttempt?.startAfter;
        runs.push({
          id: deliveryId,
          payload: { jobId: row.id },
          ...(startAfter ? { options: { startAfter } } : {}),
        });
      }
      let seq = row.event_seq;
      for (const event of [...buffered, ...change.events]) {
        seq += 1;
        events.push({ jobId: row.id, seq, event, now });
      }
      if (change.queueWebhook) {
        webhooks.push({
          payload: {
            jobId: row.id,
            deliveryId: randomUUID(),
            eventType: change.queueWebhook,
            eventId: seq,
            attempt: 1,
          },
        });
      }
      return {
        id: row.id,
        status: change.status,
        attempts: change.attempts,
        result: change.result ?? null,
        error: change.error,
        worker_id: change.workerId,
        delivery_id: deliveryId,
        run_after: change.runAfter?.toISOString() ?? null,
        finished_at: change.finished ? now.toISOString() : null,
        event_seq: seq,
        cancel_requested_at:
          change.cancelRequest === 'clear' || row.cancel_requested_at === null
            ? null
            : new Date(row.cancel_requested_at).toISOString(),
      };
    });
    // One statement: the update, and the events in the same round trip.
    const { rows } = await sql<Record<string, unknown>>`
      with events as (
        insert into job_event (job_id, seq, type, data, created_at)
        select job_id, seq, type, data, created_at
        from jsonb_to_recordset(${eventRows(events)}::jsonb)
          as e(job_id uuid, seq int, type text, data jsonb, created_at timestamptz)
      )
      update job as j set
        status = v.status,
        attempts = v.attempts,
        result = v.result,
        error = v.error,
        worker_id = v.worker_id,
        delivery_id = v.delivery_id,
        run_after = v.run_after,
        finished_at = v.finished_at,
        cancel_requested_at = v.cancel_requested_at,
        event_seq = v.event_seq,
        updated_at = ${now}::timestamptz
      from jsonb_to_recordset(${jsonParameter(values)}::jsonb) as v(
        id uuid, status text, attempts int, result jsonb, error jsonb, worker_id text, delivery_id uuid,
        run_after timestamptz, finished_at timestamptz, cancel_requested_at timestamptz, event_seq int)
      where j.id = v.id
      returning ${returning}`.execute(trx);
    await this.#queue.send(capabilityRunJob, runs, trx);
    await this.#queue.send(webhookSendJob, webhooks, trx);
    return rows;
  }

  async #byKeys(trx: Db, jobs: readonly NewJob[]): Promise<JobRow[]> {
    if (jobs.length === 0) return [];
    const keys = jsonParameter(jobs.map((job) => ({ tenant_id: job.tenantId, key: job.idempotencyKey })));
    const { rows } = await sql<JobRow>`
      select j.* from job j
      join jsonb_to_recordset(${keys}::jsonb) as k(tenant_id text, key text)
        on j.tenant_id = k.tenant_id and j.idempotency_key = k.key`.execute(trx);
    return rows;
  }

  /** After commit: the jobs that have new events, and the queues that have new deliveries. */
  #announce(jobIds: readonly string[], queues: readonly string[]): void {
    for (const id of jobIds) this.#notifier.publish(JOB_CHANNELS.events, id);
    for (const queue of new Set(queues)) this.#notifier.publish(JOB_CHANNELS.available, queue);
  }
}

interface EventRow {
  readonly jobId: string;
  readonly seq: number;
  readonly event: NewJobEvent;
  readonly now: Date;
}

async function insertJobs(
  trx: Db,
  jobs: readonly NewJob[],
  deliveries: ReadonlyMap<string, string>,
  now: Date,
): Promise<JobRow[]> {
  const rows = jsonParameter(
    jobs.map((job) => ({
      id: job.id,
      tenant_id: job.tenantId,
      api_key_id: job.apiKeyId,
      request_id: job.requestId,
      capability: job.capability,
      capability_version: job.capabilityVersion,
      input: job.input ?? null,
      max_attempts: job.maxAttempts,
      timeout_ms: job.timeoutMs,
      backoff: job.backoff,
      idempotency_key: job.idempotencyKey,
      request_hash: job.requestHash,
      webhook_url: job.webhook?.url ?? null,
      webhook_secret: job.webhook?.secret ?? null,
      delivery_id: deliveries.get(job.id) ?? null,
    })),
  );
  const { rows: inserted } = await sql<JobRow>`
    insert into job (
      id, tenant_id, api_key_id, request_id, capability, capability_version, input, status, attempts,
      max_attempts, timeout_ms, backoff, idempotency_key, request_hash, webhook_url, webhook_secret,
      delivery_id, event_seq, created_at, updated_at)
    select
      id, tenant_id, api_key_id, request_id, capability, capability_version, coalesce(input, 'null'::jsonb),
      'queued', 0, max_attempts, timeout_ms, backoff, idempotency_key, request_hash, webhook_url,
      webhook_secret, delivery_id, 1, ${now}::timestamptz, ${now}::timestamptz
    from jsonb_to_recordset(${rows}::jsonb) as r(
      id uuid, tenant_id text, api_key_id text, request_id text, capability text, capability_version text,
      input jsonb, max_attempts int, timeout_ms int, backoff jsonb, idempotency_key text, request_hash text,
      webhook_url text, webhook_secret text, delivery_id uuid)
    on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing
    returning *`.execute(trx);
  return inserted;
}

/** Events as one JSON parameter rather than five per row: far cheaper to send and to plan, on PGlite above all. */
function eventRows(events: readonly EventRow[]): string {
  return jsonParameter(
    events.map(({ jobId, seq, event, now }) => ({
      job_id: jobId,
      seq,
      type: event.type,
      data: event.data,
      created_at: now.toISOString(),
    })),
  );
}

async function insertEvents(trx: Db, events: readonly EventRow[]): Promise<void> {
  if (events.length === 0) return;
  const rows = eventRows(events);
  await sql`
    insert into job_event (job_id, seq, type, data, created_at)
    select job_id, seq, type, data, created_at
    from jsonb_to_recordset(${rows}::jsonb) as e(job_id uuid, seq int, type text, data jsonb, created_at timestamptz)`.execute(
    trx,
  );
}

async function lockJob(trx: Db, id: string, tenantId: string): Promise<JobRow | undefined> {
  return trx
    .selectFrom('job')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

function snapshot(row: LockedRow): JobSnapshot {
  return {
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    workerId: row.worker_id,
    deliveryId: row.delivery_id,
    cancelRequested: row.cancel_requested_at !== null,
    error: row.error as JobProblem | null,
    hasWebhook: row.webhook_url !== null,
  };
}

function json(value: unknown): never {
  return jsonParameter(value ?? null) as never;
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    apiKeyId: row.api_key_id,
    requestId: row.request_id,
    capability: row.capability,
    capabilityVersion: row.capability_version,
    input: row.input,
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    backoff: row.backoff,
    result: row.result ?? null,
    error: (row.error as JobProblem | null) ?? null,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    webhook:
      row.webhook_url !== null && row.webhook_secret !== null
        ? { url: row.webhook_url, secret: row.webhook_secret }
        : null,
    cancelRequestedAt: date(row.cancel_requested_at),
    workerId: row.worker_id,
    deliveryId: row.delivery_id,
    runAfter: date(row.run_after),
    lastEventId: row.event_seq,
    createdAt: new Date(row.created_at),
    startedAt: date(row.started_at),
    attemptStartedAt: date(row.attempt_started_at),
    finishedAt: date(row.finished_at),
    updatedAt: new Date(row.updated_at),
  };
}

function date(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
