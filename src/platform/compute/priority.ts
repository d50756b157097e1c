import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * `interactive` work has a caller waiting (a sync request, a stream); `background` work is a job or an
 * ingestion. The pool serves interactive tasks first, so a long ingestion cannot starve a cheap call.
 */
export type ComputePriority = 'interactive' | 'background';

const storage = new AsyncLocalStorage<ComputePriority>();

/** Runs `work` with every pool task it starts (however deep) at `priority`. */
export function withComputePriority<T>(priority: ComputePriority, work: () => T): T {
  return storage.run(priority, work);
}

/** The priority of the work calling now: interactive unless a job or an ingestion said otherwise. */
export function currentComputePriority(): ComputePriority {
  return storage.getStore() ?? 'interactive';
}
