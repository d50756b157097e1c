// What every `keel` command that talks HTTP shares: where Keel is (flags, KEEL_URL, or the server's own
// HOST/PORT), the generated typed client over one retrying fetch, and how failures are worded.

import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import {
  createKeelClient,
  type KeelClient,
  KeelConnectionError,
  type RetryingFetchOptions,
  type RetryNotice,
  retriesOf,
  retryingFetch,
} from '../client/index.ts';
import type { KeelConfig } from '../config/index.ts';

export class UsageError extends Error {}

/** A command step that failed for good; its message is printed as is and the command exits 1. */
export class CommandFailure extends Error {}

/** Where a command writes: the process's streams, or a test's buffers. */
export interface CommandOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** Test seams of the HTTP commands: what sends requests, and the retry policy's clock and waits. */
export interface HttpCommandOptions {
  readonly fetch?: (request: Request) => Promise<Response>;
  readonly sleep?: RetryingFetchOptions['sleep'];
  readonly now?: RetryingFetchOptions['now'];
  readonly random?: RetryingFetchOptions['random'];
  readonly baseDelayMs?: number;
  /** How often to poll a running job or document (default 250 ms). */
  readonly pollIntervalMs?: number;
}

/** The `parseArgs` options every HTTP command takes. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  'max-attempts': { type: 'string' },
  'retry-seconds': { type: 'string' },
} as const;

/** What an HTTP command's arguments parse to: its own options and the connection's, and its positionals. */
export interface CommandArguments {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/**
 * `parseArgs` as every HTTP command calls it: its own options plus the connection's, strict, positionals
 * allowed, and a malformed command line reported as a usage error (exit code 2).
 */
export function parseCommandArguments(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): CommandArguments {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...options, ...CONNECTION_OPTIONS },
    });
    return { values: values as CommandArguments['values'], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export interface Connection {
  readonly url: string;
  /** Where the URL came from, for messages: `--url`, `KEEL_URL`, or `HOST and PORT`. */
  readonly source: string;
  readonly key: string | undefined;
  readonly maxAttempts: number;
  readonly retrySeconds: number;
}

/** Resolves the connection from the command's flags over the configuration (throws UsageError). */
export function resolveConnection(values: Readonly<Record<string, unknown>>, config: KeelConfig): Connection {
  const flag = typeof values.url === 'string' ? values.url : undefined;
  let url: string;
  let source: string;
  if (flag !== undefined) [url, source] = [flag, '--url'];
  else if (config.cli.url !== undefined) [url, source] = [config.cli.url, 'KEEL_URL'];
  else [url, source] = [serverUrl(config), 'HOST and PORT'];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${source} is not a URL: "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`${source} must be an http or https URL, not "${url}"`);
  return {
    url: url.replace(/\/+$/, ''),
    source,
    key: (typeof values.key === 'string' ? values.key : undefined) ?? config.auth.adminKey,
    maxAttempts: wholeNumber(values['max-attempts'], '--max-attempts', 1) ?? config.cli.maxAttempts,
    retrySeconds: wholeNumber(values['retry-seconds'], '--retry-seconds', 0) ?? config.cli.retrySeconds,
  };
}

/** Where `keel serve` with this configuration listens, as a client reaches it. */
function serverUrl(config: KeelConfig): string {
  const host = ['0.0.0.0', '::', '[::]', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  const bare = host.replace(/^\[|\]$/g, '');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${config.server.port}`;
}

function wholeNumber(value: unknown, name: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < minimum)
    throw new UsageError(`${name} takes a whole number of at least ${minimum}`);
  return Number(value);
}

// POSTs that are harmless to send twice: uploads dedupe by content hash (the same bytes are one
// document), and a collection or dataset name is unique, so a replay gets 409 and the command looks
// the existing one up by name (decision 0143).
const REPLAY_SAFE_POSTS = [
  /\/v1\/collections\/[^/]+\/documents(\/upload)?$/,
  /\/v1\/collections$/,
  /\/v1\/datasets$/,
];

function replaySafe(request: Request): boolean {
  const { pathname } = new URL(request.url);
  return request.method === 'POST' && REPLAY_SAFE_POSTS.some((pattern) => pattern.test(pathname));
}

/** The typed client over the retrying fetch, with the bound of this connection. */
export function connect(
  connection: Connection,
  options: HttpCommandOptions,
  onRetry: (notice: RetryNotice) => void,
  bound: { readonly maxAttempts?: number; readonly maxElapsedMs?: number } = {},
): KeelClient {
  return createKeelClient({
    baseUrl: connection.url,
    apiKey: connection.key,
    fetch: retryingFetch({
      maxAttempts: bound.maxAttempts ?? connection.maxAttempts,
      maxElapsedMs: bound.maxElapsedMs ?? connection.retrySeconds * 1000,
      replaySafe,
      onRetry,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.baseDelayMs === undefined ? {} : { baseDelayMs: options.baseDelayMs }),
    }),
  });
}

/**
 * Checks that Keel answers before any work starts. Nothing listening is reported within seconds (a few
 * tries), not after the whole retry budget: a Keel that was never there is not a Keel that restarts.
 * Returns the message to print, or undefined when Keel answered.
 */
export async function probe(
  connection: Connection,
  options: HttpCommandOptions,
  onRetry: (notice: RetryNotice) => void,
): Promise<string | undefined> {
  const client = connect(connection, options, onRetry, {
    maxAttempts: Math.min(3, connection.maxAttempts),
    maxElapsedMs: Math.min(5_000, connection.retrySeconds * 1000),
  });
  try {
    const { response } = await client.GET('/healthz');
    if (response.ok) return undefined;
    return `Keel at ${connection.url} (${connection.source}) answers ${response.status} on /healthz${describeHistory(response)}`;
  } catch (error) {
    if (!(error instanceof KeelConnectionError)) throw error;
    return unreachable(connection, error);
  }
}

/** The message for a Keel that cannot be reached: which URL, where it came from, how to change it. */
export function unreachable(connection: Connection, error: KeelConnectionError): string {
  const { code } = error;
  const how =
    connection.source === '--url'
      ? 'check --url'
      : `start it (npm start), or point keel at it with --url <url> or KEEL_URL${connection.source === 'HOST and PORT' ? ' (or the HOST and PORT it was started with)' : ''}`;
  return `no Keel answers at ${connection.url} (from ${connection.source}): ${code}; ${how}`;
}

/** One line for a failed call: `503 SERVICE_OVERLOADED: The event loop lags... (gave up after 8 attempts in 2 min)`. */
export function describeProblem(error: unknown, response: Response): string {
  const problem = (error && typeof error === 'object' ? error : {}) as { code?: unknown; detail?: unknown };
  const code = typeof problem.code === 'string' ? problem.code : String(response.status);
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  return `${code}${detail}${describeHistory(response)}`;
}

function describeHistory(response: Response): string {
  const gaveUp = retriesOf(response)?.gaveUp;
  return gaveUp ? ` (${gaveUp})` : '';
}

/** Whether a failed response was still a refusal (429, 503) when retrying stopped. */
export function refusedForGood(response: Response): boolean {
  return retriesOf(response)?.gaveUp !== undefined;
}

/** The data of a call, or a CommandFailure naming the call and its problem. */
export function expectData<T>(
  result: { data?: T; error?: unknown; response: Response },
  what: string,
): NonNullable<T> {
  if (result.data !== undefined && result.data !== null) return result.data as NonNullable<T>;
  throw new CommandFailure(`${what}: ${describeProblem(result.error, result.response)}`);
}

/** A short line for a retry, e.g. `Keel is busy (503 SERVICE_OVERLOADED); again in 2.0 s (attempt 2 of 8)`. */
export function describeRetry(notice: RetryNotice): string {
  const why = /^\d/.test(notice.reason)
    ? `Keel is busy (${notice.reason})`
    : `the connection failed (${notice.reason})`;
  return `${why}; ${notice.request.method} ${new URL(notice.request.url).pathname} again in ${(notice.delayMs / 1000).toFixed(1)} s (attempt ${notice.attempt + 1} of ${notice.maxAttempts})`;
}

/** The line for a request that got no answer: the refusal to send it twice, or where Keel was expected. */
export function noAnswer(connection: Connection, error: KeelConnectionError): string {
  return error.reason === 'not-replayable' ? error.message : unreachable(connection, error);
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
