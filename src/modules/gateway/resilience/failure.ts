import { APICallError } from 'ai';
import { AppError } from '../../../platform/errors/index.ts';
import { gatewayErrors } from '../gateway.errors.ts';

/**
 * What one failed attempt means for the loop:
 * - `retryable`: transient (408, 409, 429, 5xx, timeout, connection reset, unreadable body); retry, then fall back.
 * - `deployment`: this deployment cannot serve (401, 403, 404); no retry, fall back at once.
 * - `request`: the request itself is refused (other 4xx, unsupported content); another model would refuse it too.
 * - `aborted`: the caller went away; stop everything and rethrow the caller's own abort.
 */
export type FailureKind = 'retryable' | 'deployment' | 'request' | 'aborted';

export interface Failure {
  readonly kind: FailureKind;
  /** The error the caller gets if this is the last failure (the original abort error for `aborted`). */
  readonly error: unknown;
  /** Whether it counts against the deployment's circuit breaker. */
  readonly countsAgainstDeployment: boolean;
  /** From `retry-after-ms` / `retry-after`, when the provider asked to wait. */
  readonly retryAfterMs: number | undefined;
}

export interface FailureContext {
  /** The caller's signal: aborted when the client went away (or its own deadline passed). */
  readonly callerSignal: AbortSignal | undefined;
  /** The attempt's own timer fired (no response, no first token, or an idle stream). */
  readonly attemptTimedOut: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// AI SDK errors raised when a provider's answer cannot be read: transient upstream faults, not the caller's.
const UNREADABLE_RESPONSE = new Set([
  'AI_InvalidResponseDataError',
  'AI_JSONParseError',
  'AI_TypeValidationError',
  'AI_EmptyResponseBodyError',
]);
// AI SDK errors raised before anything is sent: the request cannot be expressed for this model.
const INVALID_REQUEST = new Set([
  'AI_InvalidPromptError',
  'AI_UnsupportedFunctionalityError',
  'AI_InvalidArgumentError',
  'AI_TooManyEmbeddingValuesForCallError',
]);

/** An `error` part a provider put in its stream (OpenAI's `data: {"error": ...}`), or a stream cut short. */
export class UpstreamStreamError extends Error {
  readonly upstream: unknown;

  constructor(upstream: unknown) {
    super(typeof upstream === 'string' ? upstream : 'the provider reported an error inside its stream');
    this.name = 'UpstreamStreamError';
    this.upstream = upstream;
  }
}

export function classifyFailure(error: unknown, context: FailureContext): Failure {
  const caller = context.callerSignal;
  if (caller?.aborted) {
    if (isTimeout(caller.reason)) {
      return terminal(new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { cause: error }));
    }
    return { kind: 'aborted', error, countsAgainstDeployment: false, retryAfterMs: undefined };
  }
  if (context.attemptTimedOut) {
    return retryable(new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { cause: error }));
  }
  if (error instanceof AppError) return terminal(error);

  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const details = status === undefined ? {} : { upstream_status: status };
    if (status === 429) {
      const retryAfter = error.responseHeaders?.['retry-after'];
      return {
        ...retryable(
          new AppError(gatewayErrors.GATEWAY_RATE_LIMITED, {
            details,
            cause: error,
            ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
          }),
        ),
        retryAfterMs: retryAfterMsOf(error.responseHeaders),
      };
    }
    if (status === 408) {
      return retryable(new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { details, cause: error }));
    }
    if (status === 409 || (status !== undefined && status >= 500)) {
      return {
        ...retryable(new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { details, cause: error })),
        retryAfterMs: retryAfterMsOf(error.responseHeaders),
      };
    }
    if (status === 401 || status === 403 || status === 404) {
      return {
        kind: 'deployment',
        error: new AppError(gatewayErrors.GATEWAY_REQUEST_REJECTED, { details, cause: error }),
        countsAgainstDeployment: true,
        retryAfterMs: undefined,
      };
    }
    if (status !== undefined && status >= 400) {
      return terminal(new AppError(gatewayErrors.GATEWAY_REQUEST_REJECTED, { details, cause: error }));
    }
    // A 2xx whose body could not be read, or no answer at all: the upstream's fault, worth another try.
    return retryable(new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { details, cause: error }));
  }

  const name = errorName(error);
  if (name !== undefined && INVALID_REQUEST.has(name)) {
    return terminal(
      new AppError(gatewayErrors.GATEWAY_REQUEST_INVALID, {
        detail: error instanceof Error ? error.message : undefined,
        cause: error,
      }),
    );
  }
  if (isTimeout(error)) {
    return retryable(new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { cause: error }));
  }
  if (
    error instanceof UpstreamStreamError ||
    (name !== undefined && UNREADABLE_RESPONSE.has(name)) ||
    isNetworkError(error)
  ) {
    return retryable(new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { cause: error }));
  }
  return terminal(new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { cause: error }));
}

/** The taxonomy's error for anything a provider call threw, when no retry decision is needed. */
export function toGatewayError(error: unknown, signal?: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  const failure = classifyFailure(error, {
    callerSignal: signal?.aborted && isTimeout(signal.reason) ? signal : undefined,
    attemptTimedOut: false,
  });
  return failure.error instanceof AppError
    ? failure.error
    : new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { cause: error });
}

/** `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date), in milliseconds. */
export function retryAfterMsOf(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers['retry-after-ms'];
  if (milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers['retry-after']?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1_000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isTimeout(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as { name?: unknown }).name === 'TimeoutError' ||
      (value as { code?: unknown }).code === 'ETIMEDOUT')
  );
}

function retryable(error: AppError): Failure {
  return { kind: 'retryable', error, countsAgainstDeployment: true, retryAfterMs: undefined };
}

function terminal(error: AppError): Failure {
  return { kind: 'request', error, countsAgainstDeployment: false, retryAfterMs: undefined };
}

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** A dropped or refused connection, anywhere in the cause chain (undici nests the socket error). */
function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (typeof current !== 'object') return false;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const message = (current as { message?: unknown }).message;
    if (
      current instanceof TypeError &&
      typeof message === 'string' &&
      /^(terminated|fetch failed|other side closed)/i.test(message)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
