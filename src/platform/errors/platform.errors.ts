import { defineErrors } from './app-error.ts';

/** Codes raised by the HTTP platform itself, whatever module serves the route. */
export const platformErrors = defineErrors({
  REQUEST_VALIDATION_FAILED: {
    status: 400,
    title: 'The request is not valid',
    category: 'user',
    retryable: false,
    description:
      'A body, query, path or header value broke the route schema. `errors` lists every field with a JSON Pointer, a message and a code; fix them and send again.',
  },
  REQUEST_MALFORMED: {
    status: 400,
    title: 'The request body could not be parsed',
    category: 'user',
    retryable: false,
    description:
      'The body is not well-formed for its content type (for example invalid JSON or an empty JSON body).',
  },
  REQUEST_BODY_TOO_DEEP: {
    status: 400,
    title: 'The JSON body is nested too deeply',
    category: 'user',
    retryable: false,
    description:
      'Arrays and objects in the JSON body are nested more than `max_depth` (64) levels deep. No route takes such a body; flatten it.',
  },
  REQUEST_BODY_TOO_LARGE: {
    status: 413,
    title: 'The request body is too large',
    category: 'user',
    retryable: false,
    description:
      'The body exceeds the configured limit (`KEEL_BODY_LIMIT_BYTES`, 1 MiB by default). `limit_bytes` says the limit.',
  },
  REQUEST_MEDIA_TYPE_UNSUPPORTED: {
    status: 415,
    title: 'The content type is not supported',
    category: 'user',
    retryable: false,
    description: 'The route does not accept this `Content-Type`. JSON routes take `application/json`.',
  },
  REQUEST_HOST_NOT_ALLOWED: {
    status: 403,
    title: 'The Host is not a loopback name',
    category: 'user',
    retryable: false,
    description:
      'Without `KEEL_ADMIN_KEY` (open mode) Keel answers only requests addressed to `localhost`, `*.localhost`, `127.0.0.1` or `[::1]`, so a web page that rebinds its own name to 127.0.0.1 gets nothing. Call it by a loopback name, or set `KEEL_ADMIN_KEY`.',
  },
  REQUEST_CROSS_ORIGIN_REFUSED: {
    status: 403,
    title: 'Cross-origin browser requests are refused',
    category: 'user',
    retryable: false,
    description:
      "Without `KEEL_ADMIN_KEY` (open mode) a browser request must come from Keel's own origin (its console) or one listed in `KEEL_CORS_ORIGINS`: another `Origin`, or `Sec-Fetch-Site: cross-site`, is refused, so no web page can act as the local administrator.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    title: 'No such route',
    category: 'user',
    retryable: false,
    description: 'No route matches this method and path. `/openapi.json` and `/docs` list every route.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    category: 'user',
    retryable: false,
    description: 'The path exists but not for this method.',
  },
  SERVICE_SHUTTING_DOWN: {
    status: 503,
    title: 'The service is shutting down',
    category: 'system',
    retryable: true,
    description:
      'This process received SIGTERM and is draining: requests already in flight finish, new ones get this answer. Retry; another process (or this one after restart) will serve it.',
  },
  SERVICE_NOT_READY: {
    status: 503,
    title: 'The service is not ready',
    category: 'system',
    retryable: true,
    description:
      'A dependency checked by `/readyz` (such as the database) is not reachable. `checks` says which.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: 'The database is unavailable',
    category: 'system',
    retryable: true,
    description:
      'Keel cannot reach its database right now (a restart, a failover, a dropped connection). Retry after `Retry-After` seconds (job submissions with the same `Idempotency-Key`, so a write that did commit is not repeated). Routes that do not need the database keep serving meanwhile.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal error',
    category: 'system',
    retryable: false,
    description:
      'An unexpected failure inside Keel. Nothing about it is shown to the caller; the log line whose `requestId` equals the problem `request_id` has the cause.',
  },
});
