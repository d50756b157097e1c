import { defineErrors } from '../errors/index.ts';

export const computeErrors = defineErrors({
  COMPUTE_POOL_SATURATED: {
    status: 503,
    title: 'The compute pool is saturated',
    category: 'system',
    retryable: true,
    description:
      "CPU-bound work (the local engine, document parsing, embeddings) runs on a bounded pool of worker threads. This call waited in the pool's queue past `KEEL_COMPUTE_QUEUE_TIMEOUT_MS`, or the queue already held `KEEL_COMPUTE_MAX_QUEUE` tasks, so it was refused before any work was done. `retry-after` is estimated from the queue; `queue_depth` and `threads` are in the problem.",
  },
  COMPUTE_TASK_TIMEOUT: {
    status: 503,
    title: 'The computation took too long and was stopped',
    category: 'system',
    retryable: false,
    description:
      'A CPU-bound task ran past its time limit (`KEEL_COMPUTE_TASK_TIMEOUT_MS`), so its worker thread was stopped and replaced. The same input would take as long again: shorten it, or split it.',
  },
  COMPUTE_WORKER_CRASHED: {
    status: 500,
    title: 'The worker thread running this computation crashed',
    category: 'system',
    retryable: false,
    description:
      'The worker thread running the task exited (out of memory, or a fault in a parser). Only this task failed; the thread was replaced. The log has the cause.',
  },
});
