import { move, transferableSymbol, valueSymbol } from 'piscina';
import { TaskControl } from './task-control.ts';

/** What the pool sends a worker: which handler, its input, and the task's shared control block. */
export interface TaskEnvelope {
  readonly kind: string;
  readonly input: unknown;
  readonly control: SharedArrayBuffer;
}

/** An error as it crosses the thread boundary; the pool's `reviveError` turns it back into a class. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** An `AppError`'s code, when the error was one. */
  readonly code?: string;
  readonly detail?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type TaskReply =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: SerializedError };

/** What a handler may use: a signal that aborts once the pool asked the task to stop. */
export interface WorkerTaskContext {
  readonly signal: AbortSignal;
  /** Throws the abort reason if the pool asked the task to stop; call it between steps of long work. */
  checkCancelled(): void;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed by the task table that registers them
export type WorkerTaskHandler = (input: any, context: WorkerTaskContext) => unknown;

const TRANSFER = Symbol('keel.transfer');

interface WithTransfer {
  readonly [TRANSFER]: true;
  readonly value: unknown;
  readonly buffers: readonly ArrayBuffer[];
}

/** A handler's result whose typed arrays move to the calling thread instead of being copied. */
export function transferResult<T>(value: T, buffers: readonly ArrayBuffer[]): T {
  return { [TRANSFER]: true, value, buffers } satisfies WithTransfer as unknown as T;
}

function isWithTransfer(value: unknown): value is WithTransfer {
  return typeof value === 'object' && value !== null && TRANSFER in value;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  // An error class's own plain fields (a parse limit's name and value) travel as details.
  const fields = Object.fromEntries(
    Object.entries(error).filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value)),
  );
  const appError = error as Error & {
    definition?: { code?: string };
    detail?: string;
    details?: Readonly<Record<string, unknown>>;
  };
  return {
    name: error.name,
    message: error.message,
    ...(appError.definition?.code === undefined ? {} : { code: appError.definition.code }),
    ...(appError.detail === undefined ? {} : { detail: appError.detail }),
    ...(appError.details !== undefined
      ? { details: structuredClone(appError.details) }
      : Object.keys(fields).length > 0
        ? { details: fields }
        : {}),
  };
}

/**
 * The default export of a pool's worker file: dispatches each envelope to its handler, reports errors as
 * data (class identity does not survive `postMessage`), and moves transferable results.
 */
export function createWorkerEntry(handlers: Readonly<Record<string, WorkerTaskHandler>>) {
  return async function runTask(envelope: TaskEnvelope): Promise<unknown> {
    const control = new TaskControl(envelope.control);
    control.markStarted(Date.now());
    const controller = new AbortController();
    const observeCancel = () => {
      if (control.cancelRequested && !controller.signal.aborted) {
        controller.abort(new DOMException('The task was cancelled', 'AbortError'));
      }
    };
    const checkCancelled = () => {
      observeCancel();
      controller.signal.throwIfAborted();
    };
    // Catches a cancel while the handler awaits (between its synchronous steps).
    const poll = setInterval(observeCancel, 20);
    poll.unref();
    try {
      const handler = handlers[envelope.kind];
      if (handler === undefined) throw new Error(`no handler for compute task "${envelope.kind}"`);
      checkCancelled();
      const result = await handler(envelope.input, { signal: controller.signal, checkCancelled });
      if (isWithTransfer(result)) {
        const reply: TaskReply = { ok: true, value: result.value };
        return move({
          get [transferableSymbol]() {
            return result.buffers;
          },
          get [valueSymbol]() {
            return reply;
          },
        } as never);
      }
      return { ok: true, value: result } satisfies TaskReply;
    } catch (error) {
      return { ok: false, error: serializeError(error) } satisfies TaskReply;
    } finally {
      clearInterval(poll);
    }
  };
}
