import type { Logger } from '../../../platform/logging/index.ts';
import type { DocumentProgress, DocumentStore } from '../document-store.port.ts';
import type { IngestionOutcome, IngestionPipeline } from './ingestion-pipeline.ts';

/**
 * Where accepted documents go to be ingested. The in-process runner below is the embedded default; a
 * durable job queue implements the same port (the job id then comes back to the client).
 */
export interface IngestionScheduler {
  schedule(tenantId: string, documentId: string): Promise<{ readonly jobId: string | null }>;
  /** Stops work on a document (deleted, or about to be re-queued); resolves once it has stopped. */
  cancel(tenantId: string, documentId: string): Promise<void>;
}

export interface IngestionRunnerOptions {
  readonly pipeline: IngestionPipeline;
  readonly store: DocumentStore;
  readonly logger: Logger;
  /** Documents ingested at once; ingestion is CPU-bound (parsing, embedding), so 1 by default. */
  readonly concurrency?: number;
  readonly onProgress?: (tenantId: string, documentId: string, progress: DocumentProgress) => void;
}

interface Task {
  readonly tenantId: string;
  readonly documentId: string;
}

/**
 * Ingests documents in this process, in order, after their upload has been answered. On start it picks up
 * documents left queued or half-done by a previous process (their steps resume where they stopped); on
 * close it aborts the running ones, which go back to `queued` for the next start.
 */
export class InProcessIngestionRunner implements IngestionScheduler {
  readonly #pipeline: IngestionPipeline;
  readonly #store: DocumentStore;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #onProgress: IngestionRunnerOptions['onProgress'];
  readonly #queue: Task[] = [];
  readonly #running = new Map<string, AbortController>();
  readonly #settled = new Set<() => void>();
  #closed = false;

  constructor(options: IngestionRunnerOptions) {
    this.#pipeline = options.pipeline;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#onProgress = options.onProgress;
  }

  /** Queues what a previous process left unfinished. */
  async start(): Promise<number> {
    const pending = await this.#store.pendingDocuments(10_000);
    for (const task of pending) this.#enqueue({ tenantId: task.tenantId, documentId: task.id });
    if (pending.length > 0) this.#logger.info({ documents: pending.length }, 'resuming document ingestion');
    return pending.length;
  }

  async schedule(tenantId: string, documentId: string): Promise<{ jobId: null }> {
    this.#enqueue({ tenantId, documentId });
    return { jobId: null };
  }

  async cancel(tenantId: string, documentId: string): Promise<void> {
    const queued = this.#queue.findIndex(
      (task) => task.tenantId === tenantId && task.documentId === documentId,
    );
    if (queued !== -1) this.#queue.splice(queued, 1);
    const id = key({ tenantId, documentId });
    this.#running.get(id)?.abort(new Error('cancelled'));
    while (this.#running.has(id)) await new Promise<void>((resolve) => this.#settled.add(resolve));
  }

  /** Resolves when nothing is queued or running (tests, the CLI). */
  async idle(): Promise<void> {
    while (this.#queue.length > 0 || this.#running.size > 0) {
      await new Promise<void>((resolve) => this.#settled.add(resolve));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    for (const controller of this.#running.values()) controller.abort(new Error('shutting down'));
    await this.idle();
  }

  #enqueue(task: Task): void {
    if (this.#closed) return;
    const id = key(task);
    if (this.#running.has(id) || this.#queue.some((queued) => key(queued) === id)) return;
    this.#queue.push(task);
    this.#pump();
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.#concurrency && this.#queue.length > 0) {
      const task = this.#queue.shift() as Task;
      const controller = new AbortController();
      this.#running.set(key(task), controller);
      void this.#run(task, controller.signal).finally(() => {
        this.#running.delete(key(task));
        this.#pump();
        this.#notify();
      });
    }
  }

  async #run(task: Task, signal: AbortSignal): Promise<void> {
    let outcome: IngestionOutcome;
    try {
      outcome = await this.#pipeline.run(task.tenantId, task.documentId, {
        signal,
        onProgress: (progress) => this.#onProgress?.(task.tenantId, task.documentId, progress),
      });
    } catch (error) {
      if (!signal.aborted)
        this.#logger.error({ err: error, documentId: task.documentId }, 'document ingestion crashed');
      return;
    }
    this.#logger.debug({ documentId: task.documentId, outcome: outcome.status }, 'document ingested');
  }

  #notify(): void {
    const waiting = [...this.#settled];
    this.#settled.clear();
    for (const resolve of waiting) resolve();
  }
}

function key(task: Task): string {
  return `${task.tenantId}\u0000${task.documentId}`;
}
