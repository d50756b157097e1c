import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, type ProblemDocument, toProblem } from '../../platform/errors/index.ts';

/** OpenAI's error envelope: what every OpenAI SDK parses on a non-2xx answer (and in a stream's error event). */
export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    /** Keel's stable error code (docs/errors.md). */
    readonly code: string;
  };
}

const PROBLEM = 'application/problem+json';

/** The OpenAI error of a Keel problem: the status keeps its meaning, `code` stays Keel's documented code. */
export function problemToOpenAIError(problem: Partial<ProblemDocument>): OpenAIErrorBody {
  const firstField = problem.errors?.[0]?.pointer;
  return {
    error: {
      message: problem.detail ?? problem.title ?? 'Request failed',
      type: errorType(problem.status ?? 500),
      param: firstField === undefined ? null : fieldPath(firstField),
      code: problem.code ?? 'INTERNAL_ERROR',
    },
  };
}

export function toOpenAIErrorBody(error: AppError, requestId: string): OpenAIErrorBody {
  return problemToOpenAIError(toProblem(error, requestId));
}

/**
 * An `onSend` hook for the OpenAI-compatible routes: every problem+json answer (validation, auth, limits,
 * gateway errors, draining) leaves in OpenAI's error shape, with its status and headers unchanged.
 */
export function openAIErrorShape(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
): void {
  const type = reply.getHeader('content-type');
  if (typeof type !== 'string' || !type.startsWith(PROBLEM) || typeof payload !== 'string') {
    done(null, payload);
    return;
  }
  let problem: Partial<ProblemDocument>;
  try {
    problem = JSON.parse(payload) as Partial<ProblemDocument>;
  } catch {
    done(null, payload);
    return;
  }
  reply.header('content-type', 'application/json; charset=utf-8');
  done(null, JSON.stringify(problemToOpenAIError(problem)));
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** `/body/messages/0/content` -> `messages.0.content`, the way OpenAI names a parameter. */
function fieldPath(pointer: string): string {
  return pointer
    .replace(/^\/(body|query|params|headers)\/?/, '')
    .split('/')
    .filter(Boolean)
    .join('.');
}
