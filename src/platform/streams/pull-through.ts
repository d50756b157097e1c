/**
 * A stage over a stream of parts, read on demand: what `source.pipeThrough(new TransformStream(stage))`
 * does, without a transform stream (a readable, a writable, their controllers, a writer and a running
 * `pipeTo`) per stage. Every open model stream goes through several stages (the router's relay,
 * accounting, telemetry, limits), and memory per open stream is a product figure (issue 16, P3): a
 * transform stream held about 8 KB of heap per open stream, one pull-based stream about 3 KB, and stages
 * stacked on one another share one stream (below).
 *
 * The semantics are the transform stream's: `start` before the first part, `transform` for each part (a
 * throw errors the stream and cancels the source), `flush` once the source ends (then the stream closes),
 * `cancel` when the consumer cancels (then the source is cancelled with the same reason) and, unless the
 * stage has `error`, when the source fails (then the stream errors with the source's error); a stage may
 * `terminate` (the source is cancelled, later stages flush, the stream closes), and an `error` hook that
 * terminates ends the stream cleanly instead of erroring it. Nothing is read ahead: the source is read
 * when the consumer reads.
 *
 * When `source` is itself a stream this function returned and nobody has read or locked it yet, the new
 * stage joins it: the result reads the same source through both stages in one pass, and `source` may no
 * longer be read (reading it errors). The order of calls is the one separate stages would make.
 */
export interface PullStage<T> {
  start?(controller: StageController<T>): void;
  transform(part: T, controller: StageController<T>): void | Promise<void>;
  flush?(controller: StageController<T>): void | Promise<void>;
  /** The consumer went away (or a later stage failed): the source is cancelled after it. */
  cancel?(reason: unknown): void | Promise<void>;
  /** The source (or an earlier stage) failed; without it, `cancel` is called instead. */
  error?(error: unknown, controller: StageController<T>): void | Promise<void>;
}

/** What a stage may do: pass parts on (any number, in order), or end the stream after them. */
export interface StageController<T> {
  enqueue(part: T): void;
  /** After what this stage enqueued: the source is cancelled, later stages flush, the stream closes. */
  terminate(): void;
}

interface Chain<T> {
  readonly reader: ReadableStreamDefaultReader<T>;
  readonly stages: readonly PullStage<T>[];
  /** Read or locked since it was made: it can no longer be joined. */
  used: boolean;
  /** A later stage joined it: reading it is a mistake. */
  superseded: boolean;
}

// Streams a later stage may still join, by the stream returned. Weak: a stream nobody holds is gone.
const joinable = new WeakMap<ReadableStream<unknown>, Chain<unknown>>();

/** `source` may be a stream, or a reader of one someone already read from (its next parts go through). */
export function pullThrough<T>(
  source: ReadableStream<T> | ReadableStreamDefaultReader<T>,
  stage: PullStage<T>,
): ReadableStream<T> {
  const earlier =
    source instanceof ReadableStream ? (joinable.get(source) as Chain<T> | undefined) : undefined;
  let chain: Chain<T>;
  if (earlier !== undefined && !earlier.used && !(source as ReadableStream<T>).locked) {
    earlier.superseded = true;
    joinable.delete(source as ReadableStream<T>);
    chain = { reader: earlier.reader, stages: [...earlier.stages, stage], used: false, superseded: false };
  } else {
    const reader = source instanceof ReadableStream ? source.getReader() : source;
    chain = { reader, stages: [stage], used: false, superseded: false };
  }
  const stream = stagedStream(chain);
  joinable.set(stream, chain as Chain<unknown>);
  return stream;
}

// Hooks are awaited only when they return a promise: a synchronous hook adds no turn of the microtask
// queue, so what it does (abort the upstream call, say) and what follows (cancel the source) happen
// together, as they did in one stage.
function stagedStream<T>(chain: Chain<T>): ReadableStream<T> {
  const { reader, stages } = chain;
  const count = stages.length;
  // Parts a stage enqueued while one of its hooks ran, handed to the next stage after it.
  const pending: T[][] = stages.map(() => []);
  // The first stage that terminated (count: none).
  let terminatedAt = count;
  let sourceCancelled = false;
  const controllers: StageController<T>[] = pending.map((queue, index) => ({
    enqueue: (part) => queue.push(part),
    terminate: () => {
      if (index < terminatedAt && index === 0 && !sourceCancelled) {
        // No earlier stage to tell: the source is cancelled now, with whatever the stage just did.
        sourceCancelled = true;
        reader.cancel().catch(() => {});
      }
      terminatedAt = Math.min(terminatedAt, index);
    },
  }));
  // A read pending when the consumer cancels then resolves as done: that is not the source's end.
  let cancelled = false;
  let started = false;
  let closed = false;
  // Parts handed to the consumer, to know whether the stages' start delivered any.
  let delivered = 0;
  // The stage running now, to know who failed when one throws.
  let current = -1;
  let output: ReadableStreamDefaultController<T>;

  const through = async (from: number, part: T): Promise<void> => {
    let index = from;
    let value = part;
    for (;;) {
      if (index === count) {
        delivered += 1;
        output.enqueue(value);
        return;
      }
      current = index;
      const result = stages[index]?.transform(value, controllers[index] as StageController<T>);
      if (result !== undefined) await result;
      const queue = pending[index] as T[];
      if (queue.length !== 1) {
        await drain(index);
        return;
      }
      value = queue[0] as T;
      queue.length = 0;
      index += 1;
    }
  };
  const drain = async (index: number): Promise<void> => {
    const queue = pending[index] as T[];
    if (queue.length === 0) return;
    const parts = queue.splice(0);
    for (const part of parts) await through(index + 1, part);
  };
  // Flushes stages from `from` on (each one's parts through the later ones), then closes.
  const flushFrom = async (from: number): Promise<void> => {
    for (let index = from; index < count; index += 1) {
      current = index;
      const result = stages[index]?.flush?.(controllers[index] as StageController<T>);
      if (result !== undefined) await result;
      await drain(index);
    }
    closed = true;
    output.close();
  };
  // A stage terminated: earlier stages see a cancel, the source is cancelled, later stages flush.
  const terminate = async (): Promise<void> => {
    const at = terminatedAt;
    for (let index = at - 1; index >= 0; index -= 1) {
      const result = stages[index]?.cancel?.(undefined);
      if (result !== undefined) await result;
    }
    if (!sourceCancelled) {
      sourceCancelled = true;
      reader.cancel().catch(() => {});
    }
    await flushFrom(at + 1);
  };
  // A stage threw: earlier stages see a cancel (then the source is cancelled), later ones an error.
  const failAt = async (failed: number, error: unknown): Promise<boolean> => {
    for (let index = failed - 1; index >= 0; index -= 1) {
      const result = stages[index]?.cancel?.(error);
      if (result !== undefined) await result;
    }
    reader.cancel(error).catch(() => {});
    return errorFrom(failed + 1, error);
  };
  // The source or a stage failed: each later stage hears it until one of them terminates (handled).
  const errorFrom = async (from: number, error: unknown): Promise<boolean> => {
    for (let index = from; index < count; index += 1) {
      const stage = stages[index];
      current = index;
      if (stage?.error === undefined) {
        const result = stage?.cancel?.(error);
        if (result !== undefined) await result;
        continue;
      }
      const result = stage.error(error, controllers[index] as StageController<T>);
      if (result !== undefined) await result;
      if (terminatedAt === index) {
        await drain(index);
        await flushFrom(index + 1);
        return true;
      }
    }
    return false;
  };
  const run = async (step: () => Promise<void>): Promise<void> => {
    await step();
    if (terminatedAt < count && !closed) await terminate();
  };

  const stream = new ReadableStream<T>(
    {
      start(controller) {
        output = controller;
      },
      async pull(controller) {
        if (chain.superseded) {
          controller.error(new TypeError('This stream was joined by a later stage; read that one.'));
          return;
        }
        if (!chain.used) {
          chain.used = true;
          joinable.delete(stream);
        }
        // The source's own failure, already told to every stage: not a stage's throw.
        let fromSource = false;
        try {
          if (!started) {
            started = true;
            await run(async () => {
              for (let index = 0; index < count && terminatedAt === count; index += 1) {
                current = index;
                stages[index]?.start?.(controllers[index] as StageController<T>);
                await drain(index);
              }
            });
            // Parts the stages started with answer this read; the source is read on the next one.
            if (closed || delivered > 0) return;
          }
          let next: ReadableStreamReadResult<T>;
          try {
            next = await reader.read();
          } catch (error) {
            if (cancelled) return;
            fromSource = true;
            if (!(await errorFrom(0, error))) throw error;
            return;
          }
          if (cancelled) return;
          if (next.done) await run(() => flushFrom(0));
          else await run(() => through(0, next.value));
        } catch (error) {
          if (closed || fromSource) throw error;
          for (const queue of pending) queue.length = 0;
          if (!(await failAt(current, error))) throw error;
        }
      },
      async cancel(reason) {
        if (chain.superseded) return;
        cancelled = true;
        chain.used = true;
        for (let index = count - 1; index >= 0; index -= 1) {
          const result = stages[index]?.cancel?.(reason);
          if (result !== undefined) await result;
        }
        // As with a transform stream, the source's own failure to cancel is not the consumer's concern.
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return stream;
}
