// The CPU pool: worker threads for everything that computes rather than waits (local engine, parsing,
// embeddings), with priorities, bounded queues, deadlines and cancellation; and what a worker file uses.
export { computeErrors } from './compute.errors.ts';
export { type ComputePriority, currentComputePriority, withComputePriority } from './priority.ts';
export { TaskControl } from './task-control.ts';
export {
  createWorkerEntry,
  type SerializedError,
  serializeError,
  type TaskEnvelope,
  type TaskReply,
  transferResult,
  type WorkerTaskContext,
  type WorkerTaskHandler,
} from './worker-entry.ts';
export {
  type ComputeObserver,
  defaultComputeThreads,
  type PoolStats,
  type RunOptions,
  type SettledTask,
  type TaskOutcome,
  WorkerPool,
  type WorkerPoolOptions,
} from './worker-pool.ts';
