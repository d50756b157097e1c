import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { isUnsafeText, safeJson, safeText } from '../text/index.ts';

/**
 * Every query's parameters pass `safeText` on their way to the database (decision 0125): a string holding
 * NUL or a lone surrogate, in any column of any adapter, is stored made safe instead of failing the
 * statement (and, in a batch, every row with it). Objects the driver serialises to JSON get `safeJson`.
 * JSON text an adapter builds itself must use `jsonParameter`: an escape in it cannot be told from text.
 */
export function withSafeText(dialect: Dialect): Dialect {
  return {
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createDriver: (): Driver => new SafeTextDriver(dialect.createDriver()),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => dialect.createIntrospector(db),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
  };
}

/** The parameters of a query with unsafe text made safe; the same array when none needed it. */
export function safeParameters(parameters: readonly unknown[]): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < parameters.length; index += 1) {
    const parameter = parameters[index];
    let safe = parameter;
    if (typeof parameter === 'string') {
      if (isUnsafeText(parameter)) safe = safeText(parameter);
    } else if (parameter !== null && typeof parameter === 'object') {
      safe = safeJson(parameter);
    }
    if (safe !== parameter) {
      copy ??= [...parameters];
      copy[index] = safe;
    }
  }
  return copy ?? parameters;
}

function safeQuery(query: CompiledQuery): CompiledQuery {
  const parameters = safeParameters(query.parameters);
  return parameters === query.parameters ? query : { ...query, parameters };
}

class SafeTextConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;

  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  executeQuery<R>(query: CompiledQuery, ...rest: unknown[]): Promise<QueryResult<R>> {
    const execute = this.inner.executeQuery.bind(this.inner) as (
      ...args: unknown[]
    ) => Promise<QueryResult<R>>;
    return execute(safeQuery(query), ...rest);
  }

  streamQuery<R>(query: CompiledQuery, ...rest: unknown[]): AsyncIterableIterator<QueryResult<R>> {
    const stream = this.inner.streamQuery.bind(this.inner) as (
      ...args: unknown[]
    ) => AsyncIterableIterator<QueryResult<R>>;
    return stream(safeQuery(query), ...rest);
  }
}

const unwrap = (connection: DatabaseConnection): DatabaseConnection =>
  connection instanceof SafeTextConnection ? connection.inner : connection;

/** Delegates everything; only the connection it hands out is wrapped, and unwrapped on the way back. */
class SafeTextDriver implements Driver {
  readonly #inner: Driver;

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(...rest: unknown[]): Promise<void> {
    return (this.#inner.init as (...args: unknown[]) => Promise<void>).apply(this.#inner, rest);
  }

  async acquireConnection(...rest: unknown[]): Promise<DatabaseConnection> {
    const acquire = this.#inner.acquireConnection as (...args: unknown[]) => Promise<DatabaseConnection>;
    return new SafeTextConnection(await acquire.apply(this.#inner, rest));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(unwrap(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(unwrap(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(unwrap(connection));
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.savepoint) throw new Error('this database driver has no savepoints');
    return this.#inner.savepoint(unwrap(connection), name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.rollbackToSavepoint) throw new Error('this database driver has no savepoints');
    return this.#inner.rollbackToSavepoint(unwrap(connection), name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.releaseSavepoint) throw new Error('this database driver has no savepoints');
    return this.#inner.releaseSavepoint(unwrap(connection), name, compile);
  }

  releaseConnection(connection: DatabaseConnection, ...rest: unknown[]): Promise<void> {
    const release = this.#inner.releaseConnection as (...args: unknown[]) => Promise<void>;
    return release.call(this.#inner, unwrap(connection), ...rest);
  }

  destroy(...rest: unknown[]): Promise<void> {
    return (this.#inner.destroy as (...args: unknown[]) => Promise<void>).apply(this.#inner, rest);
  }
}
