import { AppError, platformErrors } from '../errors/index.ts';

/** Seconds a client is told to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs of a server going away: admin/crash shutdown, cannot connect now (starting, in recovery). */
const SERVER_GONE_STATES = new Set(['57P01', '57P02', '57P03']);

/** What node-postgres says when it loses a connection or cannot get one; these carry no code. */
const DRIVER_MESSAGES = [
  'connection terminated',
  'timeout exceeded when trying to connect',
  'client has encountered a connection error',
  'connection is not queryable',
  'server closed the connection unexpectedly',
];

/**
 * True when `error` says the database cannot be reached (refused, reset, terminated by the server, a
 * connection that timed out) rather than that a statement was wrong: the same statement may succeed in a
 * moment. SQLSTATE class 08 is "connection exception".
 */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  if (error instanceof AppError) return error.code === platformErrors.DATABASE_UNAVAILABLE.code;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SERVER_GONE_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    const lower = message.toLowerCase();
    if (DRIVER_MESSAGES.some((known) => lower.includes(known))) return true;
  }
  // `connect` to a host with several addresses rejects with an AggregateError of each attempt.
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionError(inner, depth + 1)))
    return true;
  return isConnectionError((error as { cause?: unknown }).cause, depth + 1);
}

/** The 503 a caller sees while the database is unreachable; the driver's error (host, port) stays in `cause`. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError(platformErrors.DATABASE_UNAVAILABLE, {
    headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    cause,
  });
}

/** Rethrows `error`, as DATABASE_UNAVAILABLE when it is a connection-class failure. */
export function rethrowDatabaseError(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw isConnectionError(error) ? databaseUnavailable(error) : error;
}
