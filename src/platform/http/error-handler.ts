import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, asAppError, type FieldError, platformErrors, toProblem } from '../errors/index.ts';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem.ts';
import { secretRedactor } from '../logging/secret-redactor.ts';

/** Renders every error as RFC 9457 problem+json; the only place an error becomes an HTTP response. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const appError = fromFastify(error, request);
  if (appError.status >= 500 && (appError.cause !== undefined || appError.code === 'INTERNAL_ERROR')) {
    request.log.error({ err: appError.cause ?? appError, code: appError.code }, appError.definition.title);
  } else if (appError.status >= 500) {
    request.log.warn({ code: appError.code, detail: appError.detail }, appError.definition.title);
  } else {
    request.log.debug({ code: appError.code, detail: appError.detail }, appError.definition.title);
  }
  sendProblem(reply, appError, request);
}

/** The RateLimit header fields (IETF httpapi-ratelimit-headers draft) of the requests-per-minute window. */
const RATE_LIMIT_FIELDS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy'];

export function sendProblem(reply: FastifyReply, error: AppError, request: FastifyRequest): void {
  reply.code(error.status).type(PROBLEM_CONTENT_TYPE);
  // A refusal that says when to retry, caused by something other than the window the RateLimit fields
  // describe (open streams, a budget, load), must not carry that window's reset beside its own
  // Retry-After: the two would disagree (decision 0154).
  if (error.headers?.['retry-after'] !== undefined && error.headers['ratelimit-reset'] === undefined) {
    for (const name of RATE_LIMIT_FIELDS) reply.removeHeader(name);
  }
  if (error.headers) reply.headers(error.headers);
  // Bypass route serializers: the route's schema describes success, not problems. A problem can quote
  // client input (a field name, a path), so it is scrubbed of anything shaped like a key.
  reply
    .serializer(JSON.stringify)
    .send(secretRedactor.redactValue(toProblem(error, request.id, request.url.split('?')[0])));
}

function fromFastify(error: unknown, request: FastifyRequest): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const part = (error as FastifyError).validationContext ?? 'body';
    const errors: FieldError[] = error.validation.map((issue) => ({
      pointer: issue.instancePath === '/' ? `/${part}` : `/${part}${issue.instancePath}`,
      message: issue.message ?? 'is not valid',
      code: issue.keyword,
    }));
    return new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
      detail: `${errors.length} ${errors.length === 1 ? 'field is' : 'fields are'} not valid: ${errors
        .map((entry) => entry.pointer)
        .join(', ')}`,
      errors,
    });
  }
  if (error instanceof Error && isResponseSerializationError(error as never)) {
    return new AppError(platformErrors.INTERNAL_ERROR, { cause: error });
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(platformErrors.REQUEST_BODY_TOO_LARGE, {
        detail: `The body is larger than the ${request.routeOptions.bodyLimit ?? 0} bytes this route accepts.`,
        details: { limit_bytes: request.routeOptions.bodyLimit },
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(platformErrors.REQUEST_MEDIA_TYPE_UNSUPPORTED, {
        detail: `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here.`,
      });
    default:
      break;
  }
  const status = fastifyError?.statusCode;
  if (status === 413) return new AppError(platformErrors.REQUEST_BODY_TOO_LARGE, { cause: error });
  if (status === 415) return new AppError(platformErrors.REQUEST_MEDIA_TYPE_UNSUPPORTED, { cause: error });
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(platformErrors.REQUEST_MALFORMED, { detail: fastifyError?.message, cause: error });
  }
  return asAppError(error);
}
