import { WriteBehindBatcher, type WriteBehindOptions } from '../../../platform/batching/index.ts';
import type { ModelCallRecord } from './model-call.ts';
import type { ModelCallStore } from './model-call-store.port.ts';

export type ModelCallWriterOptions = WriteBehindOptions;

/**
 * Writes model calls behind the response, in batches, like the request log; `write` is the gateway's
 * observer (every model call ends up in the store). `close()` flushes what is left.
 */
export class ModelCallWriter extends WriteBehindBatcher<ModelCallRecord> {
  constructor(store: ModelCallStore, options: ModelCallWriterOptions = {}) {
    super((records) => store.append(records), options);
  }
}
