import type { ErrorDefinition, FieldError } from './app-error.ts';
import { AppError } from './app-error.ts';
import { platformErrors } from './platform.errors.ts';

/** An RFC 9457 problem document as Keel renders it: the standard members plus `code` and `request_id`. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly code: string;
  readonly request_id: string;
  readonly retryable: boolean;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A stable, documented identifier for each code; clients may match on `type` or on `code`. */
export function problemType(definition: ErrorDefinition): string {
  return `urn:keel:error:${definition.code}`;
}

export function toProblem(error: AppError, requestId: string, instance?: string): ProblemDocument {
  const { definition } = error;
  return {
    ...error.details,
    type: problemType(definition),
    title: definition.title,
    status: definition.status,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    ...(instance === undefined ? {} : { instance }),
    code: definition.code,
    request_id: requestId,
    retryable: definition.retryable,
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
}

/** Anything thrown that is not an AppError becomes INTERNAL_ERROR; its message is never shown. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError(platformErrors.INTERNAL_ERROR, { cause: error });
}
