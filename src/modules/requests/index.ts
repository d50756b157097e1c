// The request log: one record per capability call (input, output, outcome, usage, latency), written behind
// the response and read by tenant. Feedback, the console and usage reports build on it.
export { MemoryRequestLogStore } from './memory-request-log-store.ts';
export type { RequestLogPage, RequestLogQuery, RequestLogStore, RequestRecord } from './request-log.port.ts';
export type { RequestLogWriterOptions } from './request-log-writer.ts';
export { RequestLogWriter } from './request-log-writer.ts';
export { requestErrors } from './requests.errors.ts';
export { registerRequestRoutes } from './requests.routes.ts';
export { SqlRequestLogStore } from './sql-request-log-store.ts';
