import { WriteBehindBatcher, type WriteBehindOptions } from '../../platform/batching/index.ts';
import { isDataError } from '../../platform/db/index.ts';
import { safeJson } from '../../platform/text/index.ts';
import type { RequestLogStore, RequestRecord } from './request-log.port.ts';

export type RequestLogWriterOptions = WriteBehindOptions<RequestRecord>;

/**
 * Writes the request log behind the response: one multi-row insert per batch instead of one insert on
 * every request's critical path. A row the store refuses is quarantined alone (decision 0125): its
 * stand-in keeps who, what and what it cost, without the call's input and output. `close()` flushes what
 * is left (graceful shutdown calls it).
 */
export class RequestLogWriter extends WriteBehindBatcher<RequestRecord> {
  constructor(store: RequestLogStore, options: RequestLogWriterOptions = {}) {
    super((records) => store.append(records), {
      isRecordError: isDataError,
      salvage: salvageRequestRecord,
      ...options,
    });
  }
}

/** A poisoned record's storable stand-in: every field made safe, the payloads (the usual poison) left out. */
export function salvageRequestRecord(record: RequestRecord): RequestRecord {
  return safeJson({ ...record, input: null, output: null });
}
