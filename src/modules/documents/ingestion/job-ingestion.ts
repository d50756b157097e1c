import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isAppError } from '../../../platform/errors/index.ts';
import type { AnyCapability, Clock } from '../../capabilities/index.ts';
import { defineWorkflow, type JobRecordStore } from '../../jobs/index.ts';
import type { DocumentProblem, DocumentStore } from '../document-store.port.ts';
import { documentErrors } from '../documents.errors.ts';
import type { IngestionPipeline } from './ingestion-pipeline.ts';
import type { IngestionScheduler } from './ingestion-runner.ts';

/** The job-only workflow that ingests one document; any process running job workers takes it. */
export const DOCUMENT_INGEST_CAPABILITY = 'document-ingest';

/**
 * Attempts a document's ingestion gets (a crash of the process, a timeout, a retryable failure each take
 * one). The job has one more: that last attempt only marks the document failed, so a document that kills
 * or hangs its worker every time fails for good with a clear problem instead of being resumed forever.
 * The count lives in the job row, so it survives restarts.
 */
export const INGESTION_ATTEMPTS = 3;

/** How long one attempt may run before it is aborted (and counted). */
export const INGESTION_ATTEMPT_TIMEOUT_MS = 10 * 60_000;

const ingestInput = z.object({ documentId: z.string().min(1).max(64) });

export interface DocumentIngestWorkflowOptions {
  readonly pipeline: IngestionPipeline;
  readonly store: DocumentStore;
  readonly clock: Clock;
}

/** `document-ingest`: runs the pipeline for a document inside a job attempt (fenced, leased, counted). */
export function createDocumentIngestWorkflow(options: DocumentIngestWorkflowOptions): AnyCapability {
  const { pipeline, store, clock } = options;
  return defineWorkflow({
    name: DOCUMENT_INGEST_CAPABILITY,
    version: '1.0.0',
    summary: 'Ingest one uploaded document (internal: started by uploads and reindexing)',
    description:
      'Parses, chunks and embeds an accepted document into its collection. Started by `POST /v1/collections/{id}/documents` (the job id comes back as `jobId`); follow it like any job.',
    input: ingestInput,
    output: z.object({ documentId: z.string(), status: z.enum(['ready', 'failed', 'gone']) }),
    job: {
      attempts: INGESTION_ATTEMPTS + 1,
      timeoutMs: INGESTION_ATTEMPT_TIMEOUT_MS,
      backoff: { initialMs: 1_000, maxMs: 30_000 },
    },
    run: async (input, context) => {
      const { tenantId, job } = context;
      if (job && job.attempt > INGESTION_ATTEMPTS) {
        const failed = await store.updateDocument(tenantId, input.documentId, {
          status: 'failed',
          stage: 'received',
          error: abandoned(job.attempt - 1),
          progress: null,
          chunkCount: 0,
          updatedAt: clock.now(),
        });
        context.logger.error(
          { documentId: input.documentId, attempts: job.attempt - 1 },
          'document ingestion abandoned: every attempt crashed or timed out',
        );
        return { documentId: input.documentId, status: failed ? ('failed' as const) : ('gone' as const) };
      }
      try {
        const outcome = await pipeline.run(tenantId, input.documentId, {
          signal: context.signal,
          onProgress: (progress) => {
            if (progress.total > 0)
              context.progress(Math.min(1, progress.completed / progress.total), progress.step);
          },
        });
        return { documentId: input.documentId, status: outcome.status };
      } catch (error) {
        // Aborted (timeout, shutdown, cancel, lost lease) or a retryable failure: the job's policy decides.
        if (context.signal.aborted || (isAppError(error) && error.retryable)) throw error;
        const updated = await store.updateDocument(tenantId, input.documentId, {
          status: 'failed',
          stage: 'received',
          error: crashed(),
          progress: null,
          chunkCount: 0,
          updatedAt: clock.now(),
        });
        context.logger.error({ err: error, documentId: input.documentId }, 'document ingestion crashed');
        return { documentId: input.documentId, status: updated ? ('failed' as const) : ('gone' as const) };
      }
    },
  });
}

function abandoned(attempts: number): DocumentProblem {
  const definition = documentErrors.DOCUMENTS_INGESTION_ABANDONED;
  return {
    code: definition.code,
    title: definition.title,
    detail: `Ingestion was attempted ${attempts} times and each attempt crashed, timed out or was lost with its process; it is not retried again. Check the document (size, nesting, compression) and upload a corrected one.`,
    retryable: definition.retryable,
  };
}

function crashed(): DocumentProblem {
  const definition = documentErrors.DOCUMENTS_INGESTION_FAILED;
  return {
    code: definition.code,
    title: definition.title,
    detail: 'An unexpected failure while ingesting the document; the log has the cause.',
    retryable: definition.retryable,
  };
}

export interface JobIngestionSchedulerOptions {
  readonly jobs: JobRecordStore;
  readonly clock: Clock;
  /** How long `cancel` waits for a running ingestion to stop before going on (its worker aborts it). */
  readonly cancelWaitMs?: number;
}

/**
 * Accepted documents become `document-ingest` jobs in the durable queue, so any process that runs job
 * workers ingests them (`keel serve` when embedded or with KEEL_API_WORKERS=on, `keel worker`), and an
 * upload accepted by a process that dies is not stranded. The job id goes back to the client.
 */
export class JobIngestionScheduler implements IngestionScheduler {
  readonly #jobs: JobRecordStore;
  readonly #clock: Clock;
  readonly #cancelWaitMs: number;

  constructor(options: JobIngestionSchedulerOptions) {
    this.#jobs = options.jobs;
    this.#clock = options.clock;
    this.#cancelWaitMs = options.cancelWaitMs ?? 10_000;
  }

  async schedule(tenantId: string, documentId: string): Promise<{ readonly jobId: string }> {
    const { job } = await this.#jobs.create(
      {
        id: randomUUID(),
        tenantId,
        apiKeyId: null,
        requestId: `ingest-${documentId}`,
        capability: DOCUMENT_INGEST_CAPABILITY,
        capabilityVersion: '1.0.0',
        input: { documentId },
        maxAttempts: INGESTION_ATTEMPTS + 1,
        timeoutMs: INGESTION_ATTEMPT_TIMEOUT_MS,
        backoff: { initialMs: 1_000, maxMs: 30_000 },
        idempotencyKey: null,
        requestHash: null,
        webhook: null,
      },
      this.#clock.now(),
    );
    return { jobId: job.id };
  }

  /** Cancels the document's queued and running ingestion jobs, waiting (bounded) for running ones to stop. */
  async cancel(tenantId: string, documentId: string): Promise<void> {
    const deadline = Date.now() + this.#cancelWaitMs;
    for (;;) {
      const active = await this.#activeJobs(tenantId, documentId);
      if (active.length === 0) return;
      for (const job of active) {
        if (job.cancelRequestedAt === null) await this.#jobs.cancel(tenantId, job.id, this.#clock.now());
      }
      if (Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #activeJobs(tenantId: string, documentId: string) {
    const found = [];
    for (const status of ['queued', 'running'] as const) {
      const page = await this.#jobs.list(tenantId, {
        status,
        capability: DOCUMENT_INGEST_CAPABILITY,
        limit: 100,
      });
      found.push(
        ...page.items.filter((job) => (job.input as { documentId?: unknown }).documentId === documentId),
      );
    }
    return found;
  }
}
