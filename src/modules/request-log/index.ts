// The request log: one record per authenticated request (key, route, status, latency, model usage and cost,
// the capability's input and output), written behind the response, read by tenant, swept by retention.
export type { HttpRequestLogOptions } from './http-request-log.ts';
export { HttpRequestLog } from './http-request-log.ts';
export { MemoryRequestLogStore } from './memory-request-log-store.ts';
export { requestLogErrors } from './request-log.errors.ts';
export type { RequestLogPage, RequestLogQuery, RequestLogStore, RequestRecord } from './request-log.port.ts';
export { registerRequestLogRoutes } from './request-log.routes.ts';
export type { RetentionOptions } from './request-log-retention.ts';
export { startRequestLogRetention } from './request-log-retention.ts';
export type { RequestLogWriterOptions } from './request-log-writer.ts';
export { RequestLogWriter } from './request-log-writer.ts';
export { SqlRequestLogStore } from './sql-request-log-store.ts';
