// Keel's typed HTTP client: openapi-fetch over the types `npm run client` generates from /openapi.json
// (src/client/openapi.ts), the parser of streamed capability calls, and a fetch that retries a busy Keel.
// Used by the console, the `keel` CLI and e2e tests.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.ts';

export type {
  CapabilityStreamEvent,
  CapabilityStreamEventType,
  DoneData,
  ErrorData,
  ObjectDeltaData,
  TextDeltaData,
  UsageData,
} from './capability-stream.ts';
export { CapabilityStreamError, parseCapabilityStream } from './capability-stream.ts';
export type { components, operations, paths } from './openapi.ts';
export type { RetryHistory, RetryingFetchOptions, RetryNotice, RetryPolicy } from './retrying-fetch.ts';
export {
  DEFAULT_RETRY_POLICY,
  KeelConnectionError,
  retriesOf,
  retryAfterMs,
  retryingFetch,
} from './retrying-fetch.ts';

export interface KeelClientOptions {
  /** Where Keel listens, e.g. `http://127.0.0.1:8080` (no trailing `/v1`); '' for same-origin (the console). */
  readonly baseUrl: string;
  /** An API key (`keel_...`) or KEEL_ADMIN_KEY, sent as `Authorization: Bearer`; omit when Keel runs open. */
  readonly apiKey?: string | undefined;
  /** A fetch implementation (tests, proxies, `retryingFetch()`); the global one by default. */
  readonly fetch?: (request: Request) => Promise<Response>;
}

export type KeelClient = Client<paths>;

/**
 * A client whose every method, path, parameter, body and response is typed from Keel's OpenAPI document:
 *
 *   const keel = createKeelClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.KEEL_KEY });
 *   const { data, error } = await keel.POST('/v1/summarize', { body: { text } });
 *
 * `error` is the problem+json document of a failed call (`error.code`, `error.detail`, `error.errors`).
 */
export function createKeelClient(options: KeelClientOptions): KeelClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  if (options.apiKey !== undefined && options.apiKey !== '') client.use(bearer(options.apiKey));
  return client;
}

function bearer(apiKey: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${apiKey}`);
      return request;
    },
  };
}
