import { randomUUID } from 'node:crypto';
import type { JobType } from './define-job-type.ts';
import type { JobQueue, QueueMessage, QueueTake } from './job-queue.port.ts';

interface Entry {
  readonly id: string;
  readonly payload: unknown;
  readonly dueAt: number;
  readonly order: number;
}

/** A point-in-time copy of the queue, so an in-memory "transaction" can roll back what it took or sent. */
export type MemoryQueueSnapshot = ReadonlyMap<string, readonly Entry[]>;

/**
 * The in-process queue: the reference behaviour of the contract suite and the adapter of the HTTP test
 * tier. Everything lives in this process, so nothing survives a restart.
 */
export class MemoryJobQueue implements JobQueue {
  readonly engine = 'memory' as const;
  #queues = new Map<string, Entry[]>();
  #order = 0;
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async send<Payload>(type: JobType<Payload>, messages: readonly QueueMessage<Payload>[]): Promise<string[]> {
    const parsed = messages.map((message) => ({
      id: message.id ?? randomUUID(),
      payload: type.payload.parse(message.payload),
      dueAt: message.options?.startAfter?.getTime() ?? this.#now(),
    }));
    const queue = this.#queue(type.name);
    return parsed.map(({ id, payload, dueAt }) => {
      queue.push({ id, payload: structuredClone(payload), dueAt, order: this.#order++ });
      return id;
    });
  }

  async take<Payload>(type: JobType<Payload>, limit: number): Promise<QueueTake<Payload>> {
    const queue = this.#queue(type.name);
    const now = this.#now();
    const due = queue
      .filter((entry) => entry.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.order - b.order)
      .slice(0, limit);
    const taken = new Set(due.map((entry) => entry.id));
    this.#queues.set(
      type.name,
      queue.filter((entry) => !taken.has(entry.id)),
    );
    const deliveries = [];
    const rejected = [];
    for (const entry of due) {
      const parsed = type.payload.safeParse(entry.payload);
      if (parsed.success) deliveries.push({ id: entry.id, payload: parsed.data });
      else rejected.push({ id: entry.id, problem: parsed.error.message });
    }
    return { deliveries, rejected };
  }

  async remove(type: JobType<unknown>, ids: readonly string[]): Promise<void> {
    const removed = new Set(ids);
    this.#queues.set(
      type.name,
      this.#queue(type.name).filter((entry) => !removed.has(entry.id)),
    );
  }

  async depth(type: JobType<unknown>): Promise<number> {
    return this.#queue(type.name).length;
  }

  async maintain(): Promise<void> {}

  async stop(): Promise<void> {}

  snapshot(): MemoryQueueSnapshot {
    return new Map([...this.#queues].map(([name, entries]) => [name, [...entries]]));
  }

  restore(snapshot: MemoryQueueSnapshot): void {
    this.#queues = new Map([...snapshot].map(([name, entries]) => [name, [...entries]]));
  }

  #queue(name: string): Entry[] {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = [];
      this.#queues.set(name, queue);
    }
    return queue;
  }
}
