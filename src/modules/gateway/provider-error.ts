import { APICallError } from 'ai';
import { AppError } from '../../platform/errors/index.ts';
import { gatewayErrors } from './gateway.errors.ts';

/**
 * Maps whatever a provider call threw to Keel's taxonomy, keeping the cause. Provider messages can echo
 * request content or keys, so they go to the log (through `cause`), never into the client's problem.
 */
export function toGatewayError(error: unknown, signal?: AbortSignal): AppError {
  if (error instanceof AppError) return error;
  if (signal?.aborted && isTimeout(signal.reason)) {
    return new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { cause: error });
  }
  if (APICallError.isInstance(error)) {
    const upstreamStatus = error.statusCode;
    const details = upstreamStatus === undefined ? {} : { upstreamStatus };
    if (upstreamStatus === 429) {
      const retryAfter = error.responseHeaders?.['retry-after'];
      return new AppError(gatewayErrors.GATEWAY_RATE_LIMITED, {
        details,
        cause: error,
        ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
      });
    }
    if (upstreamStatus === 408)
      return new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { details, cause: error });
    if (upstreamStatus !== undefined && upstreamStatus >= 400 && upstreamStatus < 500) {
      return new AppError(gatewayErrors.GATEWAY_REQUEST_REJECTED, { details, cause: error });
    }
    return new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { details, cause: error });
  }
  if (isTimeout(error)) return new AppError(gatewayErrors.GATEWAY_PROVIDER_TIMEOUT, { cause: error });
  return new AppError(gatewayErrors.GATEWAY_UPSTREAM_ERROR, { cause: error });
}

function isTimeout(value: unknown): boolean {
  return (
    value instanceof Error &&
    (value.name === 'TimeoutError' || (value as { code?: string }).code === 'ETIMEDOUT')
  );
}
