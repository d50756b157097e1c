// The job platform: typed job types, the delivery queue (pg-boss on PGlite or PostgreSQL, or in memory)
// and cross-process notifications (in-process, LISTEN/NOTIFY, Redis). No job semantics: see modules/jobs.

export type { JobType } from './define-job-type.ts';
export { defineJobType } from './define-job-type.ts';
export { InProcessNotifier } from './in-process-notifier.ts';
export type {
  JobQueue,
  QueueDelivery,
  QueueMessage,
  QueueSendOptions,
  QueueTake,
  QueueTransaction,
} from './job-queue.port.ts';
export type { MemoryQueueSnapshot } from './memory-job-queue.ts';
export { MemoryJobQueue } from './memory-job-queue.ts';
export type { Notifier } from './notifier.port.ts';
export type { PgBossQueueOptions } from './pg-boss-job-queue.ts';
export { PgBossJobQueue } from './pg-boss-job-queue.ts';
export type { PostgresNotifierOptions } from './postgres-notifier.ts';
export { PostgresNotifier } from './postgres-notifier.ts';
export type { RedisNotifierOptions } from './redis-notifier.ts';
export { RedisNotifier } from './redis-notifier.ts';
