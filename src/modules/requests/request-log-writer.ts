import { WriteBehindBatcher, type WriteBehindOptions } from '../../platform/batching/index.ts';
import type { RequestLogStore, RequestRecord } from './request-log.port.ts';

export type RequestLogWriterOptions = WriteBehindOptions;

/**
 * Writes the request log behind the response: one multi-row insert per batch instead of one insert on
 * every request's critical path. `close()` flushes what is left (graceful shutdown calls it).
 */
export class RequestLogWriter extends WriteBehindBatcher<RequestRecord> {
  constructor(store: RequestLogStore, options: RequestLogWriterOptions = {}) {
    super((records) => store.append(records), options);
  }
}
