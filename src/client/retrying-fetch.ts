// A fetch that copes with a busy or restarting Keel: it retries refusals (429, 503) and connection
// failures with exponential backoff and jitter, honours Retry-After, and stops at a bound (decision 0143).

/** How long and how often one request may be tried. */
export interface RetryPolicy {
  /** Tries in all, the first included (1: never retry). */
  readonly maxAttempts: number;
  /** Wall time one request may take, its attempts and waits together. */
  readonly maxElapsedMs: number;
  /** First backoff; it doubles with each attempt, up to `maxDelayMs`, and is jittered. */
  readonly baseDelayMs: number;
  /** Largest backoff (a server's `Retry-After` may ask for longer, within `maxElapsedMs`). */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  maxElapsedMs: 120_000,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
});

/** Told before each wait, so a command can say why it pauses. */
export interface RetryNotice {
  readonly request: Request;
  /** The attempt that failed (1 for the first). */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly delayMs: number;
  /** `503 SERVICE_OVERLOADED`, `ECONNREFUSED`... */
  readonly reason: string;
}

export interface RetryingFetchOptions extends Partial<RetryPolicy> {
  /** The fetch that sends each attempt (the global one by default). */
  readonly fetch?: (request: Request) => Promise<Response>;
  /**
   * Requests that are safe to send again after the connection broke once they may have reached the
   * server, besides GET, HEAD, PUT, DELETE and OPTIONS (an upload that dedupes by content, say).
   */
  readonly replaySafe?: (request: Request) => boolean;
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Test seams: the clock, the waits and the jitter. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Thrown when a request got no answer: retrying reached its bound (`gave-up`), sending it again could
 * apply it twice (`not-replayable`), or the failure is not one retrying can fix (`not-retryable`: an
 * unknown host, a TLS error, a bad port).
 */
export class KeelConnectionError extends Error {
  readonly url: string;
  /** ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET... or the innermost error's message when it has no code. */
  readonly code: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** True when the request may have reached the server (it could have taken effect). */
  readonly maybeDelivered: boolean;
  readonly reason: 'gave-up' | 'not-replayable' | 'not-retryable';

  constructor(
    message: string,
    fields: {
      url: string;
      code: string;
      attempts: number;
      elapsedMs: number;
      maybeDelivered: boolean;
      reason: KeelConnectionError['reason'];
    },
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'KeelConnectionError';
    this.url = fields.url;
    this.code = fields.code;
    this.attempts = fields.attempts;
    this.elapsedMs = fields.elapsedMs;
    this.maybeDelivered = fields.maybeDelivered;
    this.reason = fields.reason;
  }
}

/** What retrying did before a response was returned: read it with `retriesOf(response)`. */
export interface RetryHistory {
  readonly attempts: number;
  readonly elapsedMs: number;
  /** Why it stopped retrying a refusal, when it did (`undefined` when the response ended it). */
  readonly gaveUp?: string;
}

const histories = new WeakMap<Response, RetryHistory>();

/** The attempts behind a response returned by a retrying fetch (undefined for any other response). */
export function retriesOf(response: Response): RetryHistory | undefined {
  return histories.get(response);
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
// The connection never opened: nothing reached the server, any request may be sent again.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// The connection broke while the request or its answer was on the wire: the server may have acted on it.
const MAYBE_SENT = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * A fetch (for `createKeelClient({ fetch })`) that sends a request again when Keel refused it (429, 503
 * with a problem that is not `retryable: false`) or the connection failed, waiting
 * `max(Retry-After, jittered backoff)` between attempts, within `maxAttempts` and `maxElapsedMs`.
 * A connection that broke after the request may have reached the server is retried only for idempotent
 * methods and `replaySafe` requests. Answers are read whole before they are returned (except event
 * streams), so a connection lost mid-answer is retried like one lost mid-request.
 */
export function retryingFetch(options: RetryingFetchOptions = {}): (request: Request) => Promise<Response> {
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    maxElapsedMs: options.maxElapsedMs ?? DEFAULT_RETRY_POLICY.maxElapsedMs,
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;

  return async (request: Request): Promise<Response> => {
    const started = now();
    // The body is read once, so every attempt sends the same bytes.
    const body = request.body === null ? null : await request.clone().arrayBuffer();
    const replaySafe = IDEMPOTENT.has(request.method) || options.replaySafe?.(request) === true;
    for (let attempt = 1; ; attempt++) {
      let outcome: { response: Response } | { error: unknown; code: string; maybeDelivered: boolean };
      const elapsed = () => now() - started;
      try {
        outcome = { response: await readWhole(await send(copy(request, body))) };
      } catch (error) {
        if (request.signal.aborted) throw error;
        const code = errorCode(error);
        if (!NOT_SENT.has(code) && !MAYBE_SENT.has(code)) {
          const fields = { url: request.url, code, attempts: attempt, elapsedMs: elapsed() };
          throw new KeelConnectionError(
            `${request.method} ${request.url}: ${code}`,
            { ...fields, maybeDelivered: false, reason: 'not-retryable' },
            error,
          );
        }
        outcome = { error, code, maybeDelivered: !NOT_SENT.has(code) };
      }
      if ('response' in outcome) {
        const { response } = outcome;
        const refusal = await refusalOf(response);
        if (refusal === undefined) return remember(response, { attempts: attempt, elapsedMs: elapsed() });
        const delay = delayBefore(attempt, retryAfterMs(response.headers.get('retry-after'), now()));
        const stop = stopReason(attempt, delay, elapsed());
        if (stop !== undefined)
          return remember(response, { attempts: attempt, elapsedMs: elapsed(), gaveUp: stop });
        options.onRetry?.({
          request,
          attempt,
          maxAttempts: policy.maxAttempts,
          delayMs: delay,
          reason: refusal,
        });
        await sleep(delay, request.signal);
        continue;
      }
      const { error, code, maybeDelivered } = outcome;
      const fields = { url: request.url, code, attempts: attempt, elapsedMs: elapsed(), maybeDelivered };
      if (maybeDelivered && !replaySafe) {
        throw new KeelConnectionError(
          `${request.method} ${request.url}: the connection broke (${code}) after the request may have reached Keel; not sent again, since that could apply it twice`,
          { ...fields, reason: 'not-replayable' },
          error,
        );
      }
      const delay = delayBefore(attempt, undefined);
      const stop = stopReason(attempt, delay, elapsed());
      if (stop !== undefined) {
        throw new KeelConnectionError(
          `${request.method} ${request.url}: ${code}; ${stop}`,
          { ...fields, reason: 'gave-up' },
          error,
        );
      }
      options.onRetry?.({ request, attempt, maxAttempts: policy.maxAttempts, delayMs: delay, reason: code });
      await sleep(delay, request.signal);
    }

    function delayBefore(attempt: number, retryAfter: number | undefined): number {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // "Equal jitter": half fixed, half random, so clients refused together do not come back together.
      const jittered = Math.round(backoff / 2 + (random() * backoff) / 2);
      return Math.max(retryAfter ?? 0, jittered);
    }

    function stopReason(attempt: number, delay: number, elapsedMs: number): string | undefined {
      if (attempt >= policy.maxAttempts)
        return `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(elapsedMs)}`;
      if (elapsedMs + delay > policy.maxElapsedMs)
        return `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(elapsedMs)}: the next wait (${seconds(delay)}) would pass the ${seconds(policy.maxElapsedMs)} retry limit`;
      return undefined;
    }
  };
}

/** `Retry-After` as milliseconds from `now`: delay-seconds or an HTTP date; undefined when absent or bad. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date names its day and month ("Fri, 01 Jan 2027 00:00:09 GMT"); Date.parse alone would take "-5".
  const date = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The reason to retry a refused response (`503 SERVICE_OVERLOADED`), or undefined for any other answer. */
async function refusalOf(response: Response): Promise<string | undefined> {
  if (response.status !== 429 && response.status !== 503) return undefined;
  let problem: { code?: unknown; retryable?: unknown } = {};
  try {
    problem = (await response.clone().json()) as typeof problem;
  } catch {
    // Not a problem document (a proxy's page): the status alone says it was refused.
  }
  // A 503 such as MODEL_NOT_CONFIGURED is an answer, not a refusal: sending it again changes nothing.
  if (problem.retryable === false) return undefined;
  return `${response.status}${typeof problem.code === 'string' ? ` ${problem.code}` : ''}`;
}

function copy(request: Request, body: ArrayBuffer | null): Request {
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
    redirect: request.redirect,
  });
}

async function readWhole(response: Response): Promise<Response> {
  if (response.body === null || response.headers.get('content-type')?.startsWith('text/event-stream'))
    return response;
  const bytes = await response.arrayBuffer();
  return new Response(bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function remember(response: Response, history: RetryHistory): Response {
  histories.set(response, history);
  return response;
}

/**
 * The system or undici code of a failed fetch (`fetch failed` wraps it in `cause`), else the innermost
 * message (`bad port`).
 */
export function errorCode(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    if (current instanceof Error) {
      if (/socket hang up/i.test(current.message)) return 'ECONNRESET';
      message = current.message;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
