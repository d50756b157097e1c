/**
 * A stage over a stream of parts, read on demand: what `source.pipeThrough(new TransformStream(stage))`
 * does, without a transform stream (a readable, a writable, their controllers, a writer and a running
 * `pipeTo`) per stage. Every open model stream goes through several stages (accounting, telemetry,
 * limits), and memory per open stream is a product figure (issue 16, P3): a transform stream held about
 * 8 KB of heap per open stream, one pull-based stream about 3 KB, and stages stacked on one another share
 * one stream (below).
 *
 * The semantics are the transform stream's: `transform` for each part (a throw errors the stream and
 * cancels the source), `flush` once the source ends (then the stream closes), `cancel` when the consumer
 * cancels (then the source is cancelled with the same reason) and, unless the stage has `error`, when the
 * source fails (then the stream errors with the source's error). Nothing is read ahead: the source is
 * read when the consumer reads.
 *
 * When `source` is itself a stream this function returned and nobody has read or locked it yet, the new
 * stage joins it: the result reads the same source through both stages in one pass, and `source` may no
 * longer be read (reading it errors). The observable order of calls is the one separate stages would make.
 */
export interface PullStage<T> {
  transform(part: T, controller: StageController<T>): void | Promise<void>;
  flush?(controller: StageController<T>): void | Promise<void>;
  /** The consumer went away (or a later stage failed): the source is cancelled after it. */
  cancel?(reason: unknown): void | Promise<void>;
  /** The source (or an earlier stage) failed; without it, `cancel` is called instead. */
  error?(error: unknown): void | Promise<void>;
}

/** What a stage may do with the parts it is given: pass them on (any number, in order). */
export interface StageController<T> {
  enqueue(part: T): void;
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

export function pullThrough<T>(source: ReadableStream<T>, stage: PullStage<T>): ReadableStream<T> {
  const earlier = joinable.get(source) as Chain<T> | undefined;
  let chain: Chain<T>;
  if (earlier !== undefined && !earlier.used && !source.locked) {
    earlier.superseded = true;
    joinable.delete(source);
    chain = { reader: earlier.reader, stages: [...earlier.stages, stage], used: false, superseded: false };
  } else {
    chain = { reader: source.getReader(), stages: [stage], used: false, superseded: false };
  }
  const stream = stagedStream(chain);
  joinable.set(stream, chain as Chain<unknown>);
  return stream;
}

function stagedStream<T>(chain: Chain<T>): ReadableStream<T> {
  const { reader, stages } = chain;
  const count = stages.length;
  // Parts a stage enqueued while its `transform` (or `flush`) ran, handed to the next stage after it.
  const pending: T[][] = stages.map(() => []);
  const controllers: StageController<T>[] = pending.map((queue) => ({ enqueue: (part) => queue.push(part) }));
  // A read pending when the consumer cancels then resolves as done: that is not the source's end.
  let cancelled = false;
  // The stage running now, to know who failed when one throws.
  let current = -1;
  let output: ReadableStreamDefaultController<T>;

  const through = async (from: number, part: T): Promise<void> => {
    let index = from;
    let value = part;
    for (;;) {
      if (index === count) {
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
    const parts = queue.splice(0);
    for (const part of parts) await through(index + 1, part);
  };
  // A stage threw: earlier stages see a cancel (then the source is cancelled), later ones an error.
  const failAt = async (failed: number, error: unknown): Promise<void> => {
    for (let index = failed - 1; index >= 0; index -= 1) await stages[index]?.cancel?.(error);
    reader.cancel(error).catch(() => {});
    for (let index = failed + 1; index < count; index += 1) await failed_(index, error);
  };
  const failed_ = async (index: number, error: unknown): Promise<void> => {
    const stage = stages[index];
    if (stage?.error !== undefined) await stage.error(error);
    else await stage?.cancel?.(error);
  };

  return new ReadableStream<T>(
    {
      start(controller) {
        output = controller;
      },
      async pull(controller) {
        if (chain.superseded) {
          controller.error(new TypeError('This stream was joined by a later stage; read that one.'));
          return;
        }
        chain.used = true;
        let next: ReadableStreamReadResult<T>;
        try {
          next = await reader.read();
        } catch (error) {
          if (cancelled) return;
          for (let index = 0; index < count; index += 1) await failed_(index, error);
          throw error;
        }
        if (cancelled) return;
        try {
          if (next.done) {
            for (let index = 0; index < count; index += 1) {
              current = index;
              await stages[index]?.flush?.(controllers[index] as StageController<T>);
              await drain(index);
            }
            controller.close();
            return;
          }
          await through(0, next.value);
        } catch (error) {
          for (const queue of pending) queue.length = 0;
          await failAt(current, error);
          throw error;
        }
      },
      async cancel(reason) {
        if (chain.superseded) return;
        cancelled = true;
        chain.used = true;
        for (let index = count - 1; index >= 0; index -= 1) await stages[index]?.cancel?.(reason);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
