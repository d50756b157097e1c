import { describe, expect, it } from 'vitest';
import { tapStream } from './part-tap.ts';

function source(parts: readonly string[], options: { failAfter?: number } = {}) {
  let index = 0;
  let cancelled: unknown;
  const stream = new ReadableStream<string>({
    pull(controller) {
      if (options.failAfter !== undefined && index === options.failAfter) {
        controller.error(new Error('upstream cut'));
        return;
      }
      const next = parts[index++];
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function readAll(stream: ReadableStream<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const part of stream) out.push(part);
  return out;
}

describe('tapStream', () => {
  it('adds a second tap to the same stage, and taps see each part in order before the consumer', async () => {
    const seen: string[] = [];
    const { stream } = source(['a', 'b']);
    const inner = tapStream(stream, {
      part: (part) => {
        seen.push(`inner ${part}`);
      },
      flush: () => {
        seen.push('inner flush');
      },
    });
    const outer = tapStream(inner, {
      part: async (part) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(`outer ${part}`);
      },
      flush: () => {
        seen.push('outer flush');
      },
    });
    expect(outer).toBe(inner);
    expect(await readAll(outer)).toEqual(['a', 'b']);
    expect(seen).toEqual(['inner a', 'outer a', 'inner b', 'outer b', 'inner flush', 'outer flush']);
  });

  it('starts a new stage over a stream that is already being read', async () => {
    const seen: string[] = [];
    const { stream } = source(['a']);
    const first = tapStream(stream, { part: () => {} });
    // A consumer holds it (a reader), so a later tap cannot join it: it gets a stage over a tee.
    const [held, rest] = first.tee();
    const second = tapStream(rest, {
      part: (part) => {
        seen.push(part);
      },
    });
    expect(second).not.toBe(first);
    expect(first.locked).toBe(true);
    expect(await readAll(second)).toEqual(['a']);
    expect(seen).toEqual(['a']);
    await held.cancel();
  });

  it('tells every tap, outermost first, and the source when the consumer cancels', async () => {
    const cancels: string[] = [];
    const { stream, cancelled } = source(['a', 'b', 'c']);
    const tapped = tapStream(tapStream(stream, { part: () => {}, cancel: () => cancels.push('inner') }), {
      part: () => {},
      cancel: (reason) => cancels.push(`outer ${String(reason)}`),
    });
    const reader = tapped.getReader();
    await reader.read();
    await reader.cancel('client left');
    expect(cancels).toEqual(['outer client left', 'inner']);
    expect(cancelled()).toBe('client left');
  });

  it('errors the stream and tells the taps when the source fails, with no flush', async () => {
    const events: string[] = [];
    const { stream } = source(['a', 'b'], { failAfter: 1 });
    const tapped = tapStream(stream, {
      part: (part) => {
        events.push(part);
      },
      flush: () => {
        events.push('flush');
      },
      cancel: (reason) => events.push(`cancel ${(reason as Error).message}`),
    });
    await expect(readAll(tapped)).rejects.toThrow('upstream cut');
    expect(events).toEqual(['a', 'cancel upstream cut']);
  });

  it('errors the stream and cancels the source when a tap throws', async () => {
    const { stream, cancelled } = source(['a', 'b', 'c', 'd']);
    const tapped = tapStream(stream, {
      part: (part) => {
        if (part === 'b') throw new Error('tap failed');
      },
    });
    await expect(readAll(tapped)).rejects.toThrow('tap failed');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((cancelled() as Error | undefined)?.message).toBe('tap failed');
  });

  it('pulls nothing from the source until the consumer reads (no queue of its own)', async () => {
    let pulls = 0;
    const stream = new ReadableStream<string>(
      {
        pull(controller) {
          pulls += 1;
          controller.enqueue(`part ${pulls}`);
        },
      },
      { highWaterMark: 0 },
    );
    const reader = tapStream(stream, { part: () => {} }).getReader();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pulls).toBe(0);
    await reader.read();
    expect(pulls).toBe(1);
    await reader.cancel();
  });
});
