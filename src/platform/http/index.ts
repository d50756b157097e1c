// The HTTP platform: a Fastify server with request ids, RFC 9457 errors, OpenAPI and graceful draining.
// Modules register routes on it; they never build HTTP errors themselves (they throw AppError).
export { handleError, sendProblem } from './error-handler.ts';
export type { HttpPlatform, HttpServer, HttpServerOptions, RouteSummary } from './http-server.ts';
export { createHttpServer } from './http-server.ts';
export { SCOPE_EXTENSION } from './openapi-scopes.ts';
export { fieldErrorSchema, problemResponses, problemSchema } from './problem.schema.ts';
export type { RequestContext, RequestContextInit, RequestUsage } from './request-context.ts';
export {
  createRequestContext,
  currentRequestContext,
  emptyUsage,
  runWithRequestContext,
} from './request-context.ts';
export type { RouteScope } from './route-scope.ts';
export { PUBLIC_SCOPE } from './route-scope.ts';
export type { ShutdownGate } from './shutdown-gate.ts';
export type { SseEnding, SseEvent, SseFrame, SseWriterOptions } from './sse-writer.ts';
export { createSseWriter, DEFAULT_SSE_KEEP_ALIVE_MS, formatSseEvent, SseWriter } from './sse-writer.ts';
export { DEFAULT_TENANT_ID } from './tenant.ts';
