import { APICallError, InvalidPromptError, JSONParseError } from 'ai';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors/index.ts';
import { classifyFailure, UpstreamStreamError } from './failure.ts';

function apiError(statusCode: number | undefined, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: 'upstream said sk-secret',
    url: 'http://upstream/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });
}

const fresh = { callerSignal: undefined, attemptTimedOut: false };

function codeOf(error: unknown): string | undefined {
  return error instanceof AppError ? error.code : undefined;
}

describe('classifyFailure', () => {
  it.each([
    [408, 'retryable', 'GATEWAY_PROVIDER_TIMEOUT'],
    [409, 'retryable', 'GATEWAY_UPSTREAM_ERROR'],
    [429, 'retryable', 'GATEWAY_RATE_LIMITED'],
    [500, 'retryable', 'GATEWAY_UPSTREAM_ERROR'],
    [503, 'retryable', 'GATEWAY_UPSTREAM_ERROR'],
    [200, 'retryable', 'GATEWAY_UPSTREAM_ERROR'],
    [401, 'deployment', 'GATEWAY_REQUEST_REJECTED'],
    [403, 'deployment', 'GATEWAY_REQUEST_REJECTED'],
    [404, 'deployment', 'GATEWAY_REQUEST_REJECTED'],
    [400, 'request', 'GATEWAY_REQUEST_REJECTED'],
    [422, 'request', 'GATEWAY_REQUEST_REJECTED'],
  ] as const)('an upstream %i is %s (%s)', (status, kind, code) => {
    const failure = classifyFailure(apiError(status), fresh);
    expect(failure.kind).toBe(kind);
    expect(codeOf(failure.error)).toBe(code);
    expect(failure.countsAgainstDeployment).toBe(kind !== 'request');
    expect((failure.error as AppError).details).toMatchObject({ upstream_status: status });
  });

  it('keeps Retry-After for the loop and for the client', () => {
    const failure = classifyFailure(apiError(429, { 'retry-after': '2' }), fresh);
    expect(failure.retryAfterMs).toBe(2_000);
    expect((failure.error as AppError).headers).toEqual({ 'retry-after': '2' });
  });

  it('retries dropped connections, unreadable bodies and errors inside a stream', () => {
    const reset = new TypeError('terminated', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    for (const error of [
      reset,
      apiError(undefined),
      new JSONParseError({ text: '{"', cause: new Error('x') }),
      new UpstreamStreamError({ message: 'server_error' }),
    ]) {
      const failure = classifyFailure(error, fresh);
      expect(failure.kind).toBe('retryable');
      expect(codeOf(failure.error)).toBe('GATEWAY_UPSTREAM_ERROR');
    }
  });

  it("treats the attempt's own timeout as a retryable GATEWAY_PROVIDER_TIMEOUT", () => {
    const failure = classifyFailure(new DOMException('late', 'TimeoutError'), {
      ...fresh,
      attemptTimedOut: true,
    });
    expect(failure).toMatchObject({ kind: 'retryable', countsAgainstDeployment: true });
    expect(codeOf(failure.error)).toBe('GATEWAY_PROVIDER_TIMEOUT');
  });

  it("returns the caller's own abort, uncounted, when the client went away", () => {
    const controller = new AbortController();
    controller.abort();
    const original = new DOMException('aborted', 'AbortError');
    const failure = classifyFailure(original, { callerSignal: controller.signal, attemptTimedOut: false });
    expect(failure).toMatchObject({ kind: 'aborted', countsAgainstDeployment: false });
    expect(failure.error).toBe(original);
  });

  it("maps the caller's own deadline to GATEWAY_PROVIDER_TIMEOUT without retrying", () => {
    const failure = classifyFailure(new Error('x'), {
      callerSignal: AbortSignal.abort(new DOMException('t', 'TimeoutError')),
      attemptTimedOut: false,
    });
    expect(failure.kind).toBe('request');
    expect(codeOf(failure.error)).toBe('GATEWAY_PROVIDER_TIMEOUT');
  });

  it('refuses a request the model cannot take, without counting it against the deployment', () => {
    const failure = classifyFailure(new InvalidPromptError({ prompt: 'x', message: 'no files here' }), fresh);
    expect(failure).toMatchObject({ kind: 'request', countsAgainstDeployment: false });
    expect(codeOf(failure.error)).toBe('GATEWAY_REQUEST_INVALID');
  });

  it('never puts the provider message in the problem detail', () => {
    const failure = classifyFailure(apiError(500), fresh);
    expect((failure.error as AppError).detail).toBeUndefined();
  });
});
