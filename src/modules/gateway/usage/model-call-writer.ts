import { WriteBehindBatcher, type WriteBehindOptions } from '../../../platform/batching/index.ts';
import { isDataError } from '../../../platform/db/index.ts';
import { safeJson } from '../../../platform/text/index.ts';
import type { ModelCallRecord } from './model-call.ts';
import type { ModelCallStore } from './model-call-store.port.ts';

export type ModelCallWriterOptions = WriteBehindOptions<ModelCallRecord>;

/**
 * Writes model calls behind the response, in batches, like the request log; `write` is the gateway's
 * observer (every model call ends up in the store). A row the store refuses is quarantined alone, its
 * text made safe (decision 0125): budgets are seeded from these rows. `close()` flushes what is left.
 */
export class ModelCallWriter extends WriteBehindBatcher<ModelCallRecord> {
  constructor(store: ModelCallStore, options: ModelCallWriterOptions = {}) {
    super((records) => store.append(records), {
      isRecordError: isDataError,
      salvage: (record) => safeJson({ ...record }),
      ...options,
    });
  }
}
