import { describe, expect, it } from 'vitest';
import { type PullStage, pullThrough } from './pull-through.ts';

type Log = string[];

/** A source of `parts`, then an end (or an error), logging what is asked of it. */
function source(log: Log, parts: readonly string[], failure?: Error): ReadableStream<string> {
  let index = 0;
  return new ReadableStream<string>(
    {
      pull(controller) {
        log.push('source pull');
        const part = parts[index];
        index += 1;
        if (part !== undefined) controller.enqueue(part);
        else if (failure !== undefined) controller.error(failure);
        else controller.close();
      },
      cancel(reason) {
        log.push(`source cancel ${String(reason)}`);
      },
    },
    { highWaterMark: 0 },
  );
}

/** A stage that upper-cases, logs its calls, and may throw on one part. */
function stage(log: Log, throwOn?: string): PullStage<string> {
  return {
    async transform(part, controller) {
      log.push(`transform ${part}`);
      if (part === throwOn) throw new Error(`bad ${part}`);
      await Promise.resolve();
      controller.enqueue(part.toUpperCase());
    },
    flush(controller) {
      log.push('flush');
      controller.enqueue('END');
    },
    cancel(reason) {
      log.push(`stage cancel ${String(reason)}`);
    },
  };
}

async function readAll(stream: ReadableStream<string>): Promise<{ parts: string[]; error?: string }> {
  const parts: string[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts };
  } catch (error) {
    return { parts, error: String(error) };
  }
}

const flushCancelAndSource = (log: Log) =>
  log.filter(
    (entry) => entry.startsWith('flush') || entry.includes('cancel') || entry.startsWith('transform'),
  );

describe('pullThrough', () => {
  it('transforms each part in order, then flushes and closes', async () => {
    const log: Log = [];
    const result = await readAll(pullThrough(source(log, ['a', 'b']), stage(log)));
    expect(result).toEqual({ parts: ['A', 'B', 'END'] });
    expect(flushCancelAndSource(log)).toEqual(['transform a', 'transform b', 'flush']);
  });

  it('reads nothing from the source until the consumer reads', async () => {
    const log: Log = [];
    const stream = pullThrough(source(log, ['a']), stage(log));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual([]);
    const reader = stream.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'A' });
    expect(log).toEqual(['source pull', 'transform a']);
  });

  it('a throwing transform errors the stream and cancels the source with that error', async () => {
    const log: Log = [];
    const result = await readAll(pullThrough(source(log, ['a', 'b', 'c']), stage(log, 'b')));
    expect(result).toEqual({ parts: ['A'], error: 'Error: bad b' });
    expect(flushCancelAndSource(log)).toEqual(['transform a', 'transform b', 'source cancel Error: bad b']);
  });

  it("a failing source calls the stage's cancel and errors the stream with the source's error", async () => {
    const log: Log = [];
    const result = await readAll(pullThrough(source(log, ['a'], new Error('cut')), stage(log)));
    expect(result).toEqual({ parts: ['A'], error: 'Error: cut' });
    expect(flushCancelAndSource(log)).toEqual(['transform a', 'stage cancel Error: cut']);
  });

  it("the consumer's cancel reaches the stage and then the source, and nothing is flushed", async () => {
    const log: Log = [];
    const reader = pullThrough(source(log, ['a', 'b']), stage(log)).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'A' });
    await reader.cancel('gone');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flushCancelAndSource(log)).toEqual(['transform a', 'stage cancel gone', 'source cancel gone']);
  });

  it('a read pending when the consumer cancels is not taken for the end of the source', async () => {
    const log: Log = [];
    let release: (() => void) | undefined;
    const slow = new ReadableStream<string>(
      {
        pull: () => new Promise<void>((resolve) => (release = resolve)),
        cancel: (reason) => {
          log.push(`source cancel ${String(reason)}`);
        },
      },
      { highWaterMark: 0 },
    );
    const reader = pullThrough(slow, stage(log)).getReader();
    const pending = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await reader.cancel('gone');
    release?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flushCancelAndSource(log)).toEqual(['stage cancel gone', 'source cancel gone']);
  });

  it('ends like pipeThrough(new TransformStream(stage)) in each case', async () => {
    const cases: [string[], Error | undefined, string | undefined][] = [
      [['a', 'b'], undefined, undefined],
      [['a', 'b', 'c'], undefined, 'b'],
      [['a'], new Error('cut'), undefined],
    ];
    for (const [parts, failure, throwOn] of cases) {
      const ours = await readAll(pullThrough(source([], parts, failure), stage([], throwOn)));
      const transformer = stage([], throwOn) as Transformer<string, string>;
      const theirs = await readAll(source([], parts, failure).pipeThrough(new TransformStream(transformer)));
      expect(ours).toEqual(theirs);
    }
  });

  it('stages stacked on one another read the source once, in one stream, as separate stages would', async () => {
    const suffix = (tag: string): PullStage<string> => ({
      transform(part, controller) {
        controller.enqueue(`${part}${tag}`);
        if (part === 'b') controller.enqueue(`extra${tag}`);
      },
      flush(controller) {
        controller.enqueue(`flush${tag}`);
      },
    });
    const joined = pullThrough(pullThrough(source([], ['a', 'b']), suffix('1')), suffix('2'));
    const separate = source([], ['a', 'b'])
      .pipeThrough(new TransformStream(suffix('1') as Transformer<string, string>))
      .pipeThrough(new TransformStream(suffix('2') as Transformer<string, string>));
    const expected = ['a12', 'b12', 'extra12', 'flush12', 'flush2'];
    expect(await readAll(joined)).toEqual({ parts: expected });
    expect(await readAll(separate)).toEqual({ parts: expected });
  });

  it('a stream a later stage joined cannot be read any more', async () => {
    const first = pullThrough(source([], ['a']), stage([]));
    const second = pullThrough(first, stage([]));
    expect((await readAll(first)).error).toMatch(/joined by a later stage/);
    expect(await readAll(second)).toEqual({ parts: ['A', 'END', 'END'] });
  });

  it('a stream already read is not joined: the later stage reads it as its source', async () => {
    const log: Log = [];
    const first = pullThrough(source(log, ['a', 'b']), stage(log));
    const reader = first.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'A' });
    reader.releaseLock();
    expect(await readAll(pullThrough(first, stage(log)))).toEqual({ parts: ['B', 'END', 'END'] });
  });

  it('in joined stages a throw cancels the earlier stages and the source, and errors the later ones', async () => {
    const log: Log = [];
    const named = (name: string, throwOn?: string): PullStage<string> => ({
      transform(part, controller) {
        if (part === throwOn) throw new Error(`bad ${part}`);
        controller.enqueue(part);
      },
      cancel(reason) {
        log.push(`${name} cancel ${String(reason)}`);
      },
      ...(name === 'third'
        ? { error: (error: unknown) => void log.push(`${name} error ${String(error)}`) }
        : {}),
    });
    const stream = pullThrough(
      pullThrough(pullThrough(source(log, ['a', 'b']), named('first')), named('second', 'b')),
      named('third'),
    );
    expect(await readAll(stream)).toEqual({ parts: ['a'], error: 'Error: bad b' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log.filter((entry) => !entry.startsWith('source pull'))).toEqual([
      'first cancel Error: bad b',
      'source cancel Error: bad b',
      'third error Error: bad b',
    ]);
  });

  it("in joined stages the consumer's cancel reaches the last stage first, then the source", async () => {
    const log: Log = [];
    const reader = pullThrough(pullThrough(source(log, ['a', 'b']), stage(log)), {
      transform: (part, controller) => controller.enqueue(part),
      cancel: (reason) => void log.push(`outer cancel ${String(reason)}`),
    }).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'A' });
    await reader.cancel('gone');
    expect(log.filter((entry) => entry.includes('cancel'))).toEqual([
      'outer cancel gone',
      'stage cancel gone',
      'source cancel gone',
    ]);
  });

  it("a stage's start parts come first, through the later stages, before the source is read", async () => {
    const log: Log = [];
    const first: PullStage<string> = {
      start: (controller) => controller.enqueue('held'),
      transform: (part, controller) => controller.enqueue(part),
    };
    const reader = pullThrough(pullThrough(source(log, ['a']), first), stage(log)).getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'HELD' });
    expect(log).toEqual(['transform held']);
    expect(await reader.read()).toEqual({ done: false, value: 'A' });
    expect(await reader.read()).toEqual({ done: false, value: 'END' });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it('a stage that terminates cancels the source at once, and later stages flush and close', async () => {
    const log: Log = [];
    const stopper: PullStage<string> = {
      transform(part, controller) {
        controller.enqueue(part);
        if (part === 'b') {
          controller.enqueue('stopped');
          controller.terminate();
          log.push('terminated');
        }
      },
    };
    const stream = pullThrough(pullThrough(source(log, ['a', 'b', 'c']), stopper), stage(log));
    expect(await readAll(stream)).toEqual({ parts: ['A', 'B', 'STOPPED', 'END'] });
    expect(log.filter((entry) => entry !== 'source pull')).toEqual([
      'transform a',
      'source cancel undefined',
      'terminated',
      'transform b',
      'transform stopped',
      'flush',
    ]);
  });

  it('an error hook that terminates ends the stream cleanly with its parts; one that does not errors it', async () => {
    const recovering = (terminate: boolean): PullStage<string> => ({
      transform: (part, controller) => controller.enqueue(part),
      error(error, controller) {
        controller.enqueue(`failed: ${String(error)}`);
        if (terminate) controller.terminate();
      },
    });
    const cut = () => source([], ['a'], new Error('cut'));
    expect(await readAll(pullThrough(pullThrough(cut(), recovering(true)), stage([])))).toEqual({
      parts: ['A', 'FAILED: ERROR: CUT', 'END'],
    });
    expect(await readAll(pullThrough(pullThrough(cut(), recovering(false)), stage([])))).toEqual({
      parts: ['A'],
      error: 'Error: cut',
    });
  });
});
