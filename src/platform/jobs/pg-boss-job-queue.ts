import { randomUUID } from 'node:crypto';
import { fromKysely, fromPglite, PgBoss } from 'pg-boss';
import { type Database, rethrowDatabaseError, withStartupLock } from '../db/index.ts';
import type { JobType } from './define-job-type.ts';
import type { JobQueue, QueueMessage, QueueTake, QueueTransaction } from './job-queue.port.ts';

type BossDatabase = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

export interface PgBossQueueOptions {
  /** Every job type this process sends or takes; their queues are created at start if missing. */
  readonly types: readonly JobType<unknown>[];
  /** pg-boss background errors (maintenance, cache refresh); never thrown. */
  readonly onError: (error: Error) => void;
  /**
   * Whether this process runs pg-boss's maintenance (expiry, retention, monitoring). Several processes may;
   * pg-boss takes a lock so one pass runs at a time.
   */
  readonly supervise: boolean;
  readonly schema?: string;
}

/** A waiting delivery that is never taken expires after this long, which nothing in Keel wants. */
const RETENTION_SECONDS = 10 * 365 * 24 * 60 * 60;

/**
 * pg-boss as Keel's delivery queue, on the embedded PGlite instance or the PostgreSQL pool Keel already
 * has. pg-boss does what it is good at: a transactional insert, delayed delivery, and a SKIP LOCKED claim
 * of a batch. Taken deliveries are deleted in the taker's transaction; retries, leases and timeouts are
 * the jobs module's, recorded in its own rows (docs/decisions/0040).
 */
export class PgBossJobQueue implements JobQueue {
  readonly engine = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #db: BossDatabase;
  readonly #schema: string;
  readonly #embedded: boolean;
  readonly #types: readonly JobType<unknown>[];

  private constructor(
    boss: PgBoss,
    db: BossDatabase,
    schema: string,
    embedded: boolean,
    types: readonly JobType<unknown>[],
  ) {
    this.#boss = boss;
    this.#db = db;
    this.#schema = schema;
    this.#embedded = embedded;
    this.#types = types;
  }

  static async start(database: Database, options: PgBossQueueOptions): Promise<PgBossJobQueue> {
    const db = bossDatabase(database);
    const schema = options.schema ?? 'pgboss';
    const boss = new PgBoss({
      db,
      ...(database.engine === 'pglite' ? { backend: 'pglite' as const } : {}),
      schema,
      supervise: options.supervise,
      schedule: false,
      migrate: true,
    });
    boss.on('error', (error) => options.onError(error instanceof Error ? error : new Error(String(error))));
    // One process at a time installs or migrates pg-boss's schema (ADR 0100).
    await withStartupLock(database, () => boss.start());
    const queue = new PgBossJobQueue(boss, db, schema, database.engine === 'pglite', options.types);
    try {
      for (const type of options.types) await queue.#ensureQueue(type.name);
    } catch (error) {
      await boss.stop({ graceful: false, close: false }).catch(() => {});
      throw error;
    }
    return queue;
  }

  async send<Payload>(
    type: JobType<Payload>,
    messages: readonly QueueMessage<Payload>[],
    transaction?: QueueTransaction,
  ): Promise<string[]> {
    if (messages.length === 0) return [];
    const jobs = messages.map((message) => ({
      id: message.id ?? randomUUID(),
      data: type.payload.parse(message.payload) as object,
      ...(message.options?.startAfter ? { startAfter: message.options.startAfter } : {}),
    }));
    await this.#boss.insert(type.name, jobs, { db: this.#connection(transaction), returnId: false });
    return jobs.map((job) => job.id);
  }

  async take<Payload>(
    type: JobType<Payload>,
    limit: number,
    transaction?: QueueTransaction,
  ): Promise<QueueTake<Payload>> {
    const db = this.#connection(transaction);
    const jobs = await this.#boss.fetch<unknown>(type.name, { batchSize: limit, db });
    if (jobs.length === 0) return { deliveries: [], rejected: [] };
    // Deleted, not completed: the jobs module keeps the history, so pg-boss's table stays small.
    await this.#boss.deleteJob(
      type.name,
      jobs.map((job) => job.id),
      { db },
    );
    const deliveries = [];
    const rejected = [];
    for (const job of jobs) {
      const parsed = type.payload.safeParse(job.data);
      if (parsed.success) deliveries.push({ id: job.id, payload: parsed.data });
      else rejected.push({ id: job.id, problem: parsed.error.message });
    }
    return { deliveries, rejected };
  }

  async remove(
    type: JobType<unknown>,
    ids: readonly string[],
    transaction?: QueueTransaction,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.#boss.deleteJob(type.name, [...ids], { db: this.#connection(transaction) });
  }

  async depth(type: JobType<unknown>): Promise<number> {
    const [queue] = await this.#boss.getQueues([type.name]);
    if (!queue) return 0;
    const { rows } = await this.#db.executeSql(
      `select count(*)::int as count from ${this.#schema}.${queue.table} where name = $1 and state < 'active'`,
      [type.name],
    );
    return (rows[0] as { count: number } | undefined)?.count ?? 0;
  }

  async maintain(): Promise<void> {
    if (!this.#embedded) return;
    const tables = new Set(
      (await this.#boss.getQueues(this.#types.map((type) => type.name))).map((queue) => queue.table),
    );
    for (const table of tables) await this.#db.executeSql(`vacuum (analyze) ${this.#schema}.${table}`);
  }

  async stop(): Promise<void> {
    // The database belongs to Keel: pg-boss must not close it.
    await this.#boss.stop({ graceful: false, close: false });
  }

  #connection(transaction: QueueTransaction | undefined): BossDatabase {
    return transaction ? fromKysely(transaction) : this.#db;
  }

  async #ensureQueue(name: string): Promise<void> {
    if (!(await this.#boss.getQueue(name))) {
      try {
        await this.#boss.createQueue(name, {
          retentionSeconds: RETENTION_SECONDS,
          retryLimit: 0,
          deleteAfterSeconds: 60,
        });
      } catch (error) {
        // Another process created it first.
        if (!(await this.#boss.getQueue(name))) throw error;
      }
    }
    // pg-boss resolves a queue's table through a cache it fills on demand, on its own connection. Fill it
    // now: inside a caller's transaction on PGlite (one session) that lookup would wait on the very lock
    // the transaction holds.
    await this.#boss.findJobs(name, { id: '00000000-0000-0000-0000-000000000000' });
  }
}

function bossDatabase(database: Database): BossDatabase {
  if (database.pglite) return fromPglite(database.pglite);
  const pool = database.pool;
  if (!pool) throw new Error('the job queue needs PGlite or a PostgreSQL pool');
  return {
    async executeSql(text, values) {
      const result = (await pool.query(text, values as unknown[]).catch(rethrowDatabaseError)) as unknown;
      // A multi-statement query (pg-boss's migrations) answers one result per statement.
      if (Array.isArray(result))
        return { rows: result.flatMap((entry: { rows?: unknown[] }) => entry.rows ?? []) };
      return { rows: (result as { rows: unknown[] }).rows };
    },
  };
}
