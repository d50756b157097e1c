import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** One Server-Sent Event: `id:` and `event:` lines when set, then `data:` (the JSON of `data`). */
export interface SseEvent {
  readonly id?: string | number | undefined;
  readonly event?: string | undefined;
  /** Serialised with `JSON.stringify`, once, when the event is written. */
  readonly data: unknown;
}

/**
 * What a writer writes: an event, or a frame a producer serialised itself (`data: ...\n\n`, an OpenAI
 * chunk built from templates, `data: [DONE]`), written as it is.
 */
export type SseFrame = SseEvent | string;

export interface SseWriterOptions {
  /** A `: keep-alive` comment is written after this long without a write, so proxies keep the stream open. */
  readonly keepAliveMs?: number;
  /**
   * Characters that may wait in the writer for this tick's write before `write` makes its caller wait; it
   * also waits while the socket's own buffer is full (until `drain`). Together they bound a stream's
   * memory when its client is slow.
   */
  readonly highWaterMark?: number;
  /** The server's shutdown deadline: `signal` aborts with its reason (SERVICE_SHUTTING_DOWN). */
  readonly shutdown?: AbortSignal | undefined;
  /** The `cache-control` header (default `no-cache, no-transform`: no proxy may compress or hold it). */
  readonly cacheControl?: string;
  /** Written with the headers, before any event: a `retry:` field or a comment that opens the stream. */
  readonly preamble?: string;
}

/** How a piped source ends its stream: the final event of the route's protocol, or nothing. */
export interface SseEnding {
  /** After the source's last event (`done`, `data: [DONE]`...). */
  readonly done?: () => SseFrame | undefined;
  /** When the source throws (`error`...): the stream always ends with an explicit event. */
  readonly error: (error: unknown) => SseFrame | undefined;
}

export const DEFAULT_SSE_KEEP_ALIVE_MS = 15_000;
const DEFAULT_HIGH_WATER_MARK = 16_384;
const KEEP_ALIVE = ': keep-alive\n\n';
const RESOLVED: Promise<void> = Promise.resolve();

/** The text of one event: `id:`, `event:` and `data:` lines, serialised once. */
export function formatSseEvent(event: SseEvent): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  const type = event.event === undefined ? '' : `event: ${event.event}\n`;
  return `${id}${type}data: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * The one Server-Sent Events writer of every streaming route. It takes the raw response over from
 * Fastify (the request's `onResponse` hooks still see it finish), writes the headers once, and then:
 *
 * - batches the events written in one tick of the event loop into one socket write;
 * - honours backpressure: `write` resolves at once while the client keeps up, and only once the socket
 *   drains when it does not, so a producer that awaits it (or `pipe`) stops pulling from its source;
 * - writes a keep-alive comment after `keepAliveMs` without a write (an unref'd timer, cleared at the end);
 * - aborts `signal` when the client goes away before the end (or at the shutdown deadline), for the route
 *   to hand to the upstream call;
 * - ends with an explicit final event (`end(final)`, or `pipe`'s `done` / `error`).
 *
 * Create it before the upstream call (so the call gets `signal`); nothing is written until `start` or
 * the first `write`, so a failure before then is still an ordinary HTTP error.
 */
export class SseWriter {
  readonly #reply: FastifyReply;
  readonly #raw: ServerResponse;
  readonly #controller = new AbortController();
  readonly #keepAliveMs: number;
  readonly #highWaterMark: number;
  readonly #options: SseWriterOptions;
  readonly #onShutdown: () => void;
  #started = false;
  #ended = false;
  #closed = false;
  #pending = '';
  #scheduled = false;
  #blocked = false;
  #wrote = false;
  #keepAlive: NodeJS.Timeout | undefined;
  #waiters: (() => void)[] = [];

  constructor(reply: FastifyReply, options: SseWriterOptions = {}) {
    this.#reply = reply;
    this.#raw = reply.raw;
    this.#options = options;
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_SSE_KEEP_ALIVE_MS;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    const shutdown = options.shutdown;
    this.#onShutdown = () => this.#controller.abort(shutdown?.reason);
    if (shutdown?.aborted) this.#onShutdown();
    else shutdown?.addEventListener('abort', this.#onShutdown, { once: true });
    this.#raw.once('close', this.#onClose);
    this.#raw.on('drain', this.#onDrain);
  }

  /** Aborted when the client leaves before the end, or at the shutdown deadline (with its reason). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Nothing more will be written: the stream ended or the client left. */
  get closed(): boolean {
    return this.#ended || this.#closed;
  }

  /** Sends the headers (and the preamble) now, so the client learns the stream is open before any event. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const headers: Record<string, string | string[]> = {};
    // What the request's hooks set (request id, CORS, rate-limit and security headers) goes out too.
    for (const [name, value] of Object.entries(this.#reply.getHeaders())) {
      if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
    }
    this.#reply.hijack();
    this.#raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': this.#options.cacheControl ?? 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    flattenHeaderBlock(this.#raw);
    if (this.#closed) return;
    if (this.#options.preamble !== undefined) this.#raw.write(this.#options.preamble);
    else this.#raw.flushHeaders();
    if (this.#keepAliveMs > 0) {
      this.#keepAlive = setInterval(this.#onKeepAlive, this.#keepAliveMs);
      this.#keepAlive.unref();
    }
  }

  /**
   * Queues one event (or frame) for this tick's socket write. Resolves at once while the client keeps up;
   * otherwise once it has read enough (or gone): await it before producing the next event.
   */
  write(frame: SseFrame): Promise<void> {
    if (this.#ended || this.#closed) return RESOLVED;
    if (!this.#started) this.start();
    this.#pending += typeof frame === 'string' ? frame : formatSseEvent(frame);
    this.#wrote = true;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    if (this.#blocked || this.#pending.length >= this.#highWaterMark) {
      return new Promise((resolve) => this.#waiters.push(resolve));
    }
    return RESOLVED;
  }

  /** Writes the final event (if any) with whatever is queued, and ends the response. Idempotent. */
  end(final?: SseFrame): void {
    if (this.#ended) return;
    if (!this.#started && !this.#closed) this.start();
    this.#ended = true;
    const last = final === undefined ? '' : typeof final === 'string' ? final : formatSseEvent(final);
    const text = this.#pending + last;
    this.#pending = '';
    this.#stop();
    if (!this.#closed) {
      if (text === '') this.#raw.end();
      else this.#raw.end(text);
    }
    this.#release();
  }

  /**
   * Writes every event of `source`, pulling the next one only when the client has room for it, then ends
   * with `ending.done()`, or with `ending.error(error)` when the source throws. The stream always ends.
   * A client that leaves stops the pull (the source's `return` runs, which cancels its upstream).
   */
  async pipe(source: AsyncIterable<SseFrame>, ending: SseEnding): Promise<void> {
    let final: SseFrame | undefined;
    try {
      for await (const frame of source) {
        await this.write(frame);
        if (this.closed) break;
      }
      final = ending.done?.();
    } catch (error) {
      final = ending.error(error);
    }
    this.end(final);
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#ended || this.#closed || this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    // The response says when its socket's buffer is full (`false`, then `drain`): trust it, not a count.
    if (!this.#raw.write(text)) this.#blocked = true;
    else this.#release();
  };

  readonly #onDrain = (): void => {
    this.#blocked = false;
    if (this.#pending.length < this.#highWaterMark) this.#release();
  };

  readonly #onKeepAlive = (): void => {
    // Only an idle stream needs one: any write in the interval already told the proxy it is alive.
    if (!this.#wrote && !this.#blocked && !this.closed) this.#raw.write(KEEP_ALIVE);
    this.#wrote = false;
  };

  readonly #onClose = (): void => {
    this.#closed = true;
    if (!this.#raw.writableFinished) this.#controller.abort();
    this.#stop();
    this.#release();
  };

  #stop(): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    this.#options.shutdown?.removeEventListener('abort', this.#onShutdown);
    this.#raw.off('drain', this.#onDrain);
  }

  #release(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Node builds a response's header block by concatenating each header's line and keeps that string (its
 * `_header`) until the response ends: a tree of about a hundred string pieces for Keel's headers, 3 KB
 * per open stream (issue 16). Measuring its UTF-8 length flattens it in place, as `flatstr` (pino)
 * does, which frees the pieces; a Node without the property is left alone.
 */
function flattenHeaderBlock(raw: ServerResponse): void {
  const block: unknown = (raw as unknown as { _header?: unknown })._header;
  if (typeof block === 'string') Buffer.byteLength(block);
}

/** A writer for this reply (see `SseWriter`). */
export function createSseWriter(reply: FastifyReply, options?: SseWriterOptions): SseWriter {
  return new SseWriter(reply, options);
}
