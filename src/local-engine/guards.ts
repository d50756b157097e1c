import { AppError } from '../platform/errors/index.ts';
import { LOCAL_ENGINE_LIMITS } from './limits.ts';
import { localEngineErrors } from './local-engine.errors.ts';

export function ensureTextWithinLimit(
  text: string,
  what = 'text',
  limit = LOCAL_ENGINE_LIMITS.maxTextChars,
): void {
  if (text.length > limit) {
    throw new AppError(localEngineErrors.LOCAL_ENGINE_INPUT_TOO_LARGE, {
      detail: `The ${what} has ${text.length} characters; the local engine takes at most ${limit}.`,
      details: { limit, actual: text.length },
    });
  }
}

export function ensureCountWithinLimit(count: number, what: string, limit: number): void {
  if (count > limit) {
    throw new AppError(localEngineErrors.LOCAL_ENGINE_INPUT_TOO_LARGE, {
      detail: `${count} ${what}; the local engine takes at most ${limit} in one call.`,
      details: { limit, actual: count },
    });
  }
}

export function invalidInput(detail: string): AppError {
  return new AppError(localEngineErrors.LOCAL_ENGINE_INPUT_INVALID, { detail });
}

export function signalOption(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
