import { AppError } from '../../platform/errors/index.ts';
import { limitErrors } from './limits.errors.ts';

/** Runs a limit-store operation, failing closed: an unreachable store refuses the request (503). */
export async function guarded<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(limitErrors.LIMIT_STORE_UNAVAILABLE, {
      cause: error,
      headers: { 'retry-after': '1' },
    });
  }
}
