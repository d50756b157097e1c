import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type SseFrame, SseWriter, type SseWriterOptions } from './sse-writer.ts';

type Handler = (writer: SseWriter) => Promise<void>;

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A real server on port 0 whose one route hands its writer to `handler`. */
async function serve(handler: Handler, options: SseWriterOptions = {}): Promise<string> {
  app = Fastify();
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-from-hook', 'yes');
  });
  app.get('/stream', async (_request, reply) => {
    await handler(new SseWriter(reply, options));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/stream`;
}

describe('SseWriter', () => {
  it('writes each event as id/event/data lines after the headers, then the final event, and ends', async () => {
    const url = await serve(
      (writer) =>
        writer.pipe(
          (async function* (): AsyncGenerator<SseFrame> {
            yield { id: 1, event: 'text-delta', data: { delta: 'a\nb' } };
            yield 'data: {"raw":true}\n\n';
          })(),
          { done: () => ({ id: 2, event: 'done', data: { output: 'ab' } }), error: () => undefined },
        ),
      { preamble: ': stream open\n\n' },
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-from-hook')).toBe('yes');
    expect(await response.text()).toBe(
      ': stream open\n\nid: 1\nevent: text-delta\ndata: {"delta":"a\\nb"}\n\ndata: {"raw":true}\n\nid: 2\nevent: done\ndata: {"output":"ab"}\n\n',
    );
  });

  it('ends with the error event when the source throws', async () => {
    const url = await serve((writer) =>
      writer.pipe(
        (async function* (): AsyncGenerator<SseFrame> {
          yield { event: 'text-delta', data: { delta: 'partial' } };
          throw new Error('upstream broke');
        })(),
        {
          done: () => ({ event: 'done', data: {} }),
          error: (error) => ({ event: 'error', data: { message: (error as Error).message } }),
        },
      ),
    );
    const text = await (await fetch(url)).text();
    expect(text).toBe(
      'event: text-delta\ndata: {"delta":"partial"}\n\nevent: error\ndata: {"message":"upstream broke"}\n\n',
    );
  });

  it('writes keep-alive comments while the stream is idle', async () => {
    let release: () => void = () => {};
    const url = await serve(
      async (writer) => {
        writer.start();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        writer.end({ event: 'done', data: {} });
      },
      { keepAliveMs: 10 },
    );
    const response = await fetch(url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (text.split(': keep-alive\n\n').length - 1 < 2) {
      const next = await reader.read();
      if (next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
    release();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
    expect(text.startsWith(': keep-alive\n\n: keep-alive\n\n')).toBe(true);
    expect(text.endsWith('event: done\ndata: {}\n\n')).toBe(true);
  });

  it('aborts its signal when the client goes away, for the upstream call', async () => {
    let upstream: AbortSignal | undefined;
    let served: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      served = resolve;
    });
    const url = await serve(async (writer) => {
      upstream = writer.signal;
      // An upstream that produces until it is aborted, as a model call does.
      await writer.pipe(
        (async function* (): AsyncGenerator<SseFrame> {
          for (let index = 0; !writer.signal.aborted; index += 1) {
            yield { id: index, event: 'tick', data: index };
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })(),
        { error: () => undefined },
      );
      served();
    });
    const client = new AbortController();
    const response = await fetch(url, { signal: client.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(upstream?.aborted).toBe(false);
    client.abort();
    const signal = upstream as AbortSignal;
    if (!signal.aborted) await once(signal, 'abort');
    expect(signal.aborted).toBe(true);
    await ended;
  });

  it('aborts its signal with the shutdown reason at the deadline', async () => {
    const shutdown = new AbortController();
    let reason: unknown;
    const url = await serve(
      async (writer) => {
        writer.start();
        shutdown.abort(new Error('shutting down'));
        reason = writer.signal.reason;
        writer.end({ event: 'error', data: { reason: 'shutdown' } });
      },
      { shutdown: shutdown.signal },
    );
    expect(await (await fetch(url)).text()).toBe('event: error\ndata: {"reason":"shutdown"}\n\n');
    expect((reason as Error).message).toBe('shutting down');
  });

  it('stops pulling from its source while the client does not read: memory stays bounded', async () => {
    const total = 1_000_000;
    const payload = 'x'.repeat(1_000);
    let pulled = 0;
    let writerRef: SseWriter | undefined;
    const url = await serve(
      async (writer) => {
        writerRef = writer;
        await writer.pipe(
          (async function* (): AsyncGenerator<SseFrame> {
            for (let index = 0; index < total; index += 1) {
              pulled += 1;
              yield { id: index, data: payload };
            }
          })(),
          { done: () => ({ event: 'done', data: {} }), error: () => undefined },
        );
      },
      { highWaterMark: 16_384 },
    );
    // A client that reads the headers, then nothing: the socket's buffers fill and the writer must wait.
    const request = http.get(url);
    const [response] = (await once(request, 'response')) as [http.IncomingMessage];
    response.pause();
    // Wait until the source stops being pulled (it is paused, waiting for the client to drain).
    let seen = -1;
    while (seen !== pulled) {
      seen = pulled;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Bounded by the high-water mark plus what the kernel's socket buffers took, not by the source.
    expect(pulled).toBeLessThan(20_000);
    expect(pulled).toBeLessThan(total);
    expect((writerRef as SseWriter).closed).toBe(false);
    // The client leaves: the pull stops there too, and the source is not drained.
    request.destroy();
    const signal = (writerRef as SseWriter).signal;
    if (!signal.aborted) await once(signal, 'abort');
    expect(pulled).toBeLessThan(total);
  }, 30_000);

  it('batches the events written in one tick into one socket write', async () => {
    let writes = 0;
    const url = await serve(async (writer) => {
      writer.start();
      await Promise.all([
        writer.write({ event: 'a', data: 1 }),
        writer.write({ event: 'b', data: 2 }),
        writer.write({ event: 'c', data: 3 }),
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      writer.end({ event: 'done', data: {} });
    });
    app?.server.on('request', (_request, response: http.ServerResponse) => {
      const original = response.write.bind(response);
      response.write = ((...args: Parameters<typeof original>) => {
        writes += 1;
        return original(...args);
      }) as typeof response.write;
    });
    const text = await (await fetch(url)).text();
    expect(text).toBe(
      'event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\nevent: done\ndata: {}\n\n',
    );
    expect(writes).toBe(1);
  });

  it('writes nothing until started, so a failure before the first event is an ordinary HTTP error', async () => {
    app = Fastify();
    app.get('/stream', async (_request, reply) => {
      new SseWriter(reply);
      throw Object.assign(new Error('no model'), { statusCode: 503 });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/stream`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/json');
  });
});
