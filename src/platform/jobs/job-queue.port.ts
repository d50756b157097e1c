import type { Kysely } from 'kysely';
import type { KeelTables } from '../db/index.ts';
import type { JobType } from './define-job-type.ts';

/**
 * An open database transaction a queue operation joins, so the rows it refers to and the delivery commit
 * (or roll back) together. Adapters without a database ignore it.
 */
export type QueueTransaction = Kysely<KeelTables>;

export interface QueueSendOptions {
  /** Not deliverable before this instant. */
  readonly startAfter?: Date;
}

export interface QueueMessage<Payload> {
  /** A UUID chosen by the caller, so it can record the delivery id before sending; generated otherwise. */
  readonly id?: string;
  readonly payload: Payload;
  readonly options?: QueueSendOptions;
}

/** A delivery taken off the queue: gone from it once the taking transaction commits. */
export interface QueueDelivery<Payload> {
  /** Unique per delivery; callers use it as a fencing token ("only the latest delivery may start"). */
  readonly id: string;
  readonly payload: Payload;
}

export interface QueueTake<Payload> {
  readonly deliveries: readonly QueueDelivery<Payload>[];
  /** Deliveries whose payload broke the type's schema: removed, never handed out. */
  readonly rejected: readonly { readonly id: string; readonly problem: string }[];
}

/**
 * The delivery port: durable, transactional, at-least-once hand-off of typed payloads to workers. It knows
 * nothing about job state; the jobs module keeps that in its own rows and leases.
 */
export interface JobQueue {
  readonly engine: 'memory' | 'pg-boss';
  /** Enqueues payloads (validated against the type's schema); returns their delivery ids in order. */
  send<Payload>(
    type: JobType<Payload>,
    messages: readonly QueueMessage<Payload>[],
    transaction?: QueueTransaction,
  ): Promise<string[]>;
  /**
   * Takes up to `limit` due deliveries, oldest first, and removes them from the queue in the same
   * transaction: two takers never get the same delivery, and a rolled-back take hands them back.
   */
  take<Payload>(
    type: JobType<Payload>,
    limit: number,
    transaction?: QueueTransaction,
  ): Promise<QueueTake<Payload>>;
  /** Withdraws deliveries not taken yet (a safety copy that is no longer needed); unknown ids are ignored. */
  remove(type: JobType<unknown>, ids: readonly string[], transaction?: QueueTransaction): Promise<void>;
  /**
   * Housekeeping the database does not do by itself: PGlite runs PostgreSQL in single-user mode, without
   * autovacuum, so the queue's table is vacuumed here. A no-op where the server takes care of it.
   */
  maintain(): Promise<void>;
  /** Deliveries waiting (due or not), for tests and readiness. */
  depth(type: JobType<unknown>): Promise<number>;
  stop(): Promise<void>;
}
