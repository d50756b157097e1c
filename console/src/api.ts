// How the console talks to Keel: the typed client for fixed routes, a raw call for what is discovered at run
// time (capabilities from /openapi.json), and the key, kept in session storage (gone when the tab closes).
import { createKeelClient, type KeelClient } from '../../src/client/index.ts';

const KEY_STORAGE = 'keel.console.apiKey';

export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
  readonly request_id?: string;
  readonly errors?: ReadonlyArray<{
    readonly pointer: string;
    readonly message: string;
    readonly code?: string;
  }>;
  readonly [extension: string]: unknown;
}

export function storedKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeKey(key: string): void {
  if (key === '') sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/**
 * The console's own reads carry request ids with this prefix (Keel keeps a caller's `x-request-id`), so the
 * Requests view can leave them out of the log it shows: otherwise every page the console loads, the
 * Requests view's own polling included, floods the log it is showing.
 */
export const CONSOLE_READ_PREFIX = 'console-read-';

export function consoleReadId(): string {
  return `${CONSOLE_READ_PREFIX}${crypto.randomUUID()}`;
}

/** Whether a request log entry is one of the console's own reads. */
export function isConsoleRead(entry: { readonly id: string; readonly method?: string | null }): boolean {
  return entry.id.startsWith(CONSOLE_READ_PREFIX) && (entry.method ?? 'GET') === 'GET';
}

let cached: { key: string; client: KeelClient } | undefined;

/** The typed client (openapi-fetch over src/client/openapi.ts) with the signed-in key. */
export function keel(): KeelClient {
  const key = storedKey();
  if (cached?.key !== key) {
    const client = createKeelClient({ baseUrl: location.origin, apiKey: key });
    client.use({
      onRequest({ request }) {
        if (request.method === 'GET') request.headers.set('x-request-id', consoleReadId());
        return request;
      },
    });
    cached = { key, client };
  }
  return cached.client;
}

export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key === '' ? {} : { authorization: `Bearer ${key}` };
}

/** What one raw call sent and got back: the Playground shows both, with a curl that repeats it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly requestHeaders: Record<string, string>;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseHeaders: Record<string, string>;
  readonly body: unknown;
  readonly durationMs: number;
}

export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Exchange> {
  const requestHeaders: Record<string, string> = {
    accept: 'application/json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  };
  const started = performance.now();
  const response = await fetch(path, {
    method,
    headers: {
      ...requestHeaders,
      ...authHeaders(),
      ...(method === 'GET' && !('x-request-id' in headers) ? { 'x-request-id': consoleReadId() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: shown as text.
  }
  return {
    method,
    path,
    requestHeaders,
    requestBody: body,
    status: response.status,
    responseHeaders: Object.fromEntries(response.headers),
    body: parsed,
    durationMs: Math.round(performance.now() - started),
  };
}

/** A problem document from an error body, or a generic one for what is not (a network failure). */
export function asProblem(value: unknown, fallback = 'The request failed.'): Problem {
  if (value && typeof value === 'object' && ('code' in value || 'title' in value)) return value as Problem;
  if (value instanceof Error) return { title: 'Keel could not be reached', detail: value.message };
  return { title: fallback, detail: typeof value === 'string' ? value : undefined };
}

/** A shell command that repeats a call; the key stays a variable so a copied command never carries it. */
export function curlOf(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const parts = [
    `curl -sS -X ${method} '${location.origin}${path}'`,
    `-H "authorization: Bearer $KEEL_API_KEY"`,
  ];
  for (const [name, value] of Object.entries(headers)) parts.push(`-H '${name}: ${value}'`);
  if (body !== undefined) {
    parts.push(`-H 'content-type: application/json'`);
    parts.push(`--data-raw '${JSON.stringify(body).replaceAll("'", "'\\''")}'`);
  }
  return parts.join(' \\\n  ');
}

export function formatJson(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
