import { safeJson } from '../text/index.ts';

/** `JSON.stringify` for a `jsonb` parameter: the text PostgreSQL accepts whatever strings the value holds. */
export function jsonParameter(value: unknown): string {
  return JSON.stringify(safeJson(value));
}

/**
 * Whether a database error is about the values sent (SQLSTATE class 22, data exception, or 23,
 * integrity constraint violation) rather than the database being unreachable: a write-behind batch uses
 * it to tell a poisoned row from an outage.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
