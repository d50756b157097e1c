/**
 * Observers of a model stream's parts that share one stream stage (issue 16, "one transform per token").
 *
 * Model middlewares that only watch the parts go by (limits settling on `finish`, telemetry timing the first
 * token and closing its span) each used to pipe the stream through a `TransformStream` of their own: one
 * more web-stream hop, with its promises and queue, per token per middleware. `tapStream` gives them one
 * stage: the first tap wraps the stream in a pull-based stage; a tap added to a stream that is such a stage
 * (and not yet read) joins its list instead of adding another. Taps see every part in the order the
 * middlewares are stacked (the innermost first, as through chained transforms), before the consumer does.
 */
export interface PartTap<P> {
  /** Sees each part before it goes on; a returned promise is awaited first (backpressure as in a transform). */
  part(part: P): void | Promise<void>;
  /** The source ended normally, after its last part. */
  flush?(): void | Promise<void>;
  /** The consumer cancelled the stream, or the source failed (`reason` is its error). */
  cancel?(reason: unknown): void;
}

const TAPS = Symbol('keel.partTaps');

type TappedStream<P> = ReadableStream<P> & { [TAPS]?: PartTap<P>[] };

export function tapStream<P>(stream: ReadableStream<P>, tap: PartTap<P>): ReadableStream<P> {
  const existing = (stream as TappedStream<P>)[TAPS];
  if (existing !== undefined && !stream.locked) {
    existing.push(tap);
    return stream;
  }
  const taps: PartTap<P>[] = [tap];
  const reader = stream.getReader();
  let settled = false;
  const cancelTaps = (reason: unknown) => {
    if (settled) return;
    settled = true;
    // Outermost first, as a cancellation travels back through chained transforms.
    for (let index = taps.length - 1; index >= 0; index--) taps[index]?.cancel?.(reason);
  };
  const tapped: TappedStream<P> = new ReadableStream<P>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<P>;
        try {
          next = await reader.read();
        } catch (error) {
          cancelTaps(error);
          controller.error(error);
          return;
        }
        try {
          if (next.done) {
            settled = true;
            for (const each of taps) await each.flush?.();
            controller.close();
            return;
          }
          for (const each of taps) await each.part(next.value);
        } catch (error) {
          cancelTaps(error);
          controller.error(error);
          reader.cancel(error).catch(() => {});
          return;
        }
        controller.enqueue(next.value);
      },
      cancel(reason) {
        cancelTaps(reason);
        return reader.cancel(reason);
      },
    },
    // No queue of its own: a part is pulled when the consumer asks for one, as through a transform.
    { highWaterMark: 0 },
  );
  tapped[TAPS] = taps;
  return tapped;
}
