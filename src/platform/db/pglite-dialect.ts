import type { PGlite, Transaction } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * Kysely on PGlite. PGlite is one session, so a Kysely transaction runs inside PGlite's own
 * `transaction()`, which holds PGlite's transaction lock: no other query (ours, or pg-boss's on the same
 * instance) can interleave with an open transaction.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteConnection(this.#pglite);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await (connection as PGliteConnection).begin(settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end('commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).end('rollback');
  }

  async releaseConnection(): Promise<void> {}

  // The instance belongs to whoever created it; closing the Kysely facade must not close it.
  async destroy(): Promise<void> {}
}

type Outcome = 'commit' | 'rollback';

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #transaction: Transaction | undefined;
  #settle: ((outcome: Outcome) => void) | undefined;
  #finished: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async begin(settings: TransactionSettings): Promise<void> {
    const { promise: entered, resolve: enter } = Promise.withResolvers<void>();
    this.#finished = this.#pglite.transaction(async (transaction) => {
      this.#transaction = transaction;
      const characteristics = [
        settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
        settings.accessMode ?? '',
      ].filter(Boolean);
      if (characteristics.length > 0) await transaction.query(`set transaction ${characteristics.join(' ')}`);
      const { promise: settled, resolve } = Promise.withResolvers<Outcome>();
      this.#settle = resolve;
      enter();
      if ((await settled) === 'rollback') await transaction.rollback();
    });
    // If PGlite fails before the callback runs (closed instance, bad settings), surface that failure.
    await Promise.race([entered, this.#finished]);
  }

  async end(outcome: Outcome): Promise<void> {
    const settle = this.#settle;
    const finished = this.#finished;
    this.#settle = undefined;
    this.#finished = undefined;
    try {
      settle?.(outcome);
      await finished;
    } finally {
      this.#transaction = undefined;
    }
  }

  async executeQuery<Row>(compiledQuery: CompiledQuery): Promise<QueryResult<Row>> {
    const target = this.#transaction ?? this.#pglite;
    const result = await target.query<Row>(compiledQuery.sql, [...compiledQuery.parameters]);
    return result.affectedRows === undefined
      ? { rows: result.rows }
      : { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
  }

  // biome-ignore lint/correctness/useYield: PGlite has no cursors to stream from
  async *streamQuery<Row>(): AsyncIterableIterator<QueryResult<Row>> {
    throw new Error('streaming queries are not supported on PGlite');
  }
}
