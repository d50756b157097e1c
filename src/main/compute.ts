import type { KeelConfig } from '../config/index.ts';
import {
  type EmbeddingBackend,
  type EngineCall,
  LOCAL_EMBEDDING_DIMENSIONS,
  LOCAL_EMBEDDING_MODEL_ID,
  LOCAL_ENGINE_LIMITS,
  type LocalEngine,
} from '../local-engine/index.ts';
import {
  DocumentParseError,
  type DocumentProcessor,
  deserializeParseError,
  type ParseLimits,
  type ProcessedDocument,
} from '../modules/documents/index.ts';
import { type SerializedError, type SettledTask, WorkerPool } from '../platform/compute/index.ts';
import { AppError, type ErrorDefinition } from '../platform/errors/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import type { KeelMetrics } from '../platform/telemetry/index.ts';
import { errorCatalogue } from './error-catalogue.ts';

/** An engine task's input: the strategy's request, and whether the thread's embedder may be used. */
export interface EngineTaskInput<Request> {
  readonly request: Request;
  readonly embeddings: boolean;
}

const WORKER_FILE = new URL('./compute-worker.ts', import.meta.url);

/**
 * Texts per embedding task. A task cannot be preempted, so a small one bounds how long an interactive
 * call waits behind ingestion (about a quarter second of USE-lite on one core).
 */
const EMBED_TASK_TEXTS = 16;

/**
 * Engine and embedding tasks are bounded by their inputs (the engine's own limits); their run-time limit
 * only catches a hang, and includes loading the model on a thread's first task. Parsing is where hostile
 * input lives, so it gets the configured limit itself.
 */
const ENGINE_TIMEOUT_FACTOR = 10;

const definitionsByCode = new Map<string, ErrorDefinition>(
  errorCatalogue.flatMap(({ errors }) => errors.map((definition) => [definition.code, definition] as const)),
);

/** Gives an error from a worker thread its class back: AppErrors by code, parse errors by name. */
export function reviveComputeError(error: SerializedError): Error {
  const definition = error.code === undefined ? undefined : definitionsByCode.get(error.code);
  if (definition !== undefined) {
    return new AppError(definition, {
      ...(error.detail === undefined ? {} : { detail: error.detail }),
      ...(error.details === undefined ? {} : { details: error.details }),
    });
  }
  if (error.name === 'DocumentParseError') return new DocumentParseError(error.message);
  if (error.name === 'DocumentParseLimitError') {
    const { limit, maximum } = (error.details ?? {}) as { limit?: keyof ParseLimits; maximum?: number };
    if (limit !== undefined && maximum !== undefined) {
      return deserializeParseError({ kind: 'limit', message: error.message, limit, maximum });
    }
    return new DocumentParseError(error.message);
  }
  if (error.name === 'AbortError') return new DOMException(error.message, 'AbortError');
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}

/** The process's compute pool, sized and bounded by configuration, reporting to metrics and the log. */
export function createComputePool(
  config: KeelConfig['compute'],
  observability: { readonly metrics: KeelMetrics; readonly logger: Logger },
): WorkerPool {
  const { metrics, logger } = observability;
  const pool = new WorkerPool({
    filename: WORKER_FILE,
    ...(config.threads === undefined ? {} : { threads: config.threads }),
    maxQueue: config.maxQueue,
    queueTimeoutMs: config.queueTimeoutMs,
    taskTimeoutMs: config.taskTimeoutMs,
    maxHeapMb: config.maxHeapMb,
    // The event loop's thread is scheduled before the pool's when both want a core.
    niceIncrement: 3,
    reviveError: reviveComputeError,
    observer: {
      taskSettled: (task: SettledTask) => {
        metrics.computeTasks.inc({ kind: task.kind, outcome: task.outcome });
        metrics.computeTaskWait.observe({ kind: task.kind, priority: task.priority }, task.waitMs / 1_000);
        if (task.runMs > 0) metrics.computeTaskRun.observe({ kind: task.kind }, task.runMs / 1_000);
        if (task.outcome === 'timed-out') logger.warn({ task }, 'compute task stopped at its time limit');
      },
      workerCrashed: (kind, error) =>
        logger.error({ err: error, task: kind }, 'compute worker thread failed'),
    },
  });
  metrics.observeCompute(() => pool.stats());
  return pool;
}

function runOptions(call: EngineCall | undefined, timeoutMs: number) {
  return { timeoutMs, ...(call?.signal === undefined ? {} : { signal: call.signal }) };
}

export interface PooledTaskOptions {
  /** The configured run-time limit (`KEEL_COMPUTE_TASK_TIMEOUT_MS`). */
  readonly taskTimeoutMs: number;
}

/** The local engine on the compute pool: each strategy call is one task on a worker thread. */
export function pooledLocalEngine(
  pool: WorkerPool,
  options: PooledTaskOptions & { readonly embeddings: boolean },
): LocalEngine {
  const timeoutMs = options.taskTimeoutMs * ENGINE_TIMEOUT_FACTOR;
  const task =
    <Request, Result>(kind: string) =>
    (request: Request, call?: EngineCall): Promise<Result> =>
      pool.run<Result>(
        kind,
        { request, embeddings: options.embeddings } satisfies EngineTaskInput<Request>,
        runOptions(call, timeoutMs),
      );
  return {
    embeddings: options.embeddings,
    classify: task('engine.classify'),
    summarize: task('engine.summarize'),
    extract: task('engine.extract'),
    score: task('engine.score'),
    recommend: task('engine.recommend'),
  };
}

/** USE-lite on the compute pool: small tasks, each one's vectors moved back in one buffer. */
export function pooledEmbeddingBackend(pool: WorkerPool, options: PooledTaskOptions): EmbeddingBackend {
  const timeoutMs = options.taskTimeoutMs * ENGINE_TIMEOUT_FACTOR;
  const embedWithTokens = async (texts: readonly string[], call: { signal?: AbortSignal } = {}) => {
    const vectors: Float32Array[] = [];
    let tokens = 0;
    for (let start = 0; start < texts.length; start += EMBED_TASK_TEXTS) {
      const batch = texts.slice(start, start + EMBED_TASK_TEXTS);
      const reply = await pool.run<{ packed: Float32Array; dimensions: number; tokens: number }>(
        'engine.embed',
        { texts: batch },
        runOptions(call, timeoutMs),
      );
      for (let index = 0; index < batch.length; index += 1) {
        vectors.push(reply.packed.subarray(index * reply.dimensions, (index + 1) * reply.dimensions));
      }
      tokens += reply.tokens;
    }
    return { vectors, tokens };
  };
  return {
    modelId: LOCAL_EMBEDDING_MODEL_ID,
    dimensions: LOCAL_EMBEDDING_DIMENSIONS,
    maxInputChars: LOCAL_ENGINE_LIMITS.maxEmbeddingInputChars,
    embedWithTokens,
    embed: async (texts, options) => (await embedWithTokens(texts, options)).vectors,
  };
}

/** Parsing and chunking on the compute pool; the source bytes are copied once and moved to the thread. */
export function pooledDocumentProcessor(pool: WorkerPool, options: PooledTaskOptions): DocumentProcessor {
  return {
    process(request, signal) {
      const bytes = request.bytes.slice();
      return pool.run<ProcessedDocument>(
        'documents.process',
        { ...request, bytes },
        {
          transfer: [bytes.buffer as ArrayBuffer],
          timeoutMs: options.taskTimeoutMs,
          ...(signal === undefined ? {} : { signal }),
        },
      );
    },
  };
}
